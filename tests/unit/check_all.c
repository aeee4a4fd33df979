/* The one Check runner: every test that registered itself (unit.h).
 * CK_RUN_SUITE=<name> runs one suite (Check's own variable); the exit code
 * is non-zero on any failure or when no test ran. */
#include "config.h"
#include <signal.h>
#include <stdlib.h>
#include "tests/unit/unit.h"

int
main(void)
{
	SRunner *sr;
	int failed, ran;

	signal(SIGPIPE, SIG_IGN);
	sr = unit_srunner();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	ran = srunner_ntests_run(sr);
	srunner_free(sr);
	return (failed == 0 && ran > 0) ? EXIT_SUCCESS : EXIT_FAILURE;
}
