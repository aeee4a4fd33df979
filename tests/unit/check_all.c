/* The one Check runner.  CK_RUN_SUITE=<name> runs one suite (Check's own
 * variable); the exit code is non-zero on any failure or when no test ran. */
#include "config.h"
#include <signal.h>
#include <stdlib.h>
#include "tests/unit/suites.h"

int
main(void)
{
	Suite *(*const all[])(void) = {
		arena_suite, b64_suite, backoff_suite, clock_suite, client_conf_suite, client_session_suite, ext_suite, extor_suite,
		frame_suite,
		http_suite, httpd_suite, net_suite, orport_suite, pool_suite, proxy_suite, pt_suite, ptargs_suite,
		reflect_suite, report_suite, retry_suite,
		server_conf_suite, session_suite, session_table_suite, sessid_suite, window_suite, xhandler_suite, socks_suite, stream_suite, tls_suite, trust_suite,
		url_suite, useraddr_suite, modemem_suite, xsession_suite,
		keccak_suite, mlkem_suite, pss_suite, tlskeys_suite, tlsrec_suite, tlshello_suite, tlsx509_suite, tlsmsg_suite, tlsticket_suite, tlsclient_suite,
	};
	SRunner *sr;
	int failed, ran;

	signal(SIGPIPE, SIG_IGN);
	sr = srunner_create(all[0]());
	for (size_t i = 1; i < sizeof all / sizeof all[0]; i++)
		srunner_add_suite(sr, all[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	ran = srunner_ntests_run(sr);
	srunner_free(sr);
	return (failed == 0 && ran > 0) ? EXIT_SUCCESS : EXIT_FAILURE;
}
