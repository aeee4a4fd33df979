/* Every unit-test suite; tests/unit/check_all.c runs them all. */
#ifndef MEEK_TESTS_SUITES_H
#define MEEK_TESTS_SUITES_H
#include <check.h>

Suite *arena_suite(void);
Suite *b64_suite(void);
Suite *backoff_suite(void);
Suite *retry_suite(void);
Suite *httpd_suite(void);
Suite *stream_suite(void);
Suite *client_conf_suite(void);
Suite *ext_suite(void);
Suite *extor_suite(void);
Suite *frame_suite(void);
Suite *http_suite(void);
Suite *modemem_suite(void);
Suite *net_suite(void);
Suite *orport_suite(void);
Suite *proxy_suite(void);
Suite *pt_suite(void);
Suite *reflect_suite(void);
Suite *report_suite(void);
Suite *clock_suite(void);
Suite *ptargs_suite(void);
Suite *server_conf_suite(void);
Suite *session_table_suite(void);
Suite *sessid_suite(void);
Suite *socks_suite(void);
Suite *tls_suite(void);
Suite *keccak_suite(void);
Suite *mlkem_suite(void);
Suite *pss_suite(void);
Suite *tlskeys_suite(void);
Suite *tlsrec_suite(void);
Suite *tlshello_suite(void);
Suite *tlsx509_suite(void);
Suite *tlsmsg_suite(void);
Suite *tlsticket_suite(void);
Suite *tlsclient_suite(void);
Suite *trust_suite(void);
Suite *url_suite(void);
Suite *useraddr_suite(void);
Suite *window_suite(void);
Suite *xhandler_suite(void);
Suite *xsession_suite(void);

#endif
