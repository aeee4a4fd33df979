/* PLACEHOLDER: replaced by the module's real tests. */
#include "config.h"
#include "tests/unit/suites.h"

Suite *
net_suite(void)
{
	return suite_create("net");
}
