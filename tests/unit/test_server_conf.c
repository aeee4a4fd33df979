/* PLACEHOLDER: replaced by the module's real tests. */
#include "config.h"
#include "tests/unit/suites.h"

Suite *
server_conf_suite(void)
{
	return suite_create("server_conf");
}
