/* PLACEHOLDER: replaced by the module's real tests. */
#include "config.h"
#include "tests/unit/suites.h"

Suite *
extor_suite(void)
{
	return suite_create("extor");
}
