/* PLACEHOLDER: replaced by the module's real tests. */
#include "config.h"
#include "tests/unit/suites.h"

Suite *
session_table_suite(void)
{
	return suite_create("session_table");
}
