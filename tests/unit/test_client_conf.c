/* PLACEHOLDER: replaced by the module's real tests. */
#include "config.h"
#include "tests/unit/suites.h"

Suite *
client_conf_suite(void)
{
	return suite_create("client_conf");
}
