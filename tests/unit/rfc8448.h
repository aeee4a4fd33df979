/*
 * RFC 8448 test vectors (Example Handshake Traces for TLS 1.3), shared by
 * test_tlskeys.c and test_tlsrec.c; copied from the traces' hex dumps
 * (draft-ietf-tls-tls13-vectors as published, identical to the RFC's).
 *  s1_*: section 3, Simple 1-RTT Handshake (TLS_AES_128_GCM_SHA256): the
 *    messages, secrets, traffic keys and IVs, and the protected records
 *    (s1_*_rec) with their payloads (s1_c_app_plain, s1_*_alert_plain; the
 *    server's first record carries s1_ee, s1_cert, s1_cv, s1_s_fin_msg);
 *  s2_*: section 4, Resumed 0-RTT Handshake (its ClientHello is
 *    s2_ch_prefix || 00 21 20 || s2_binder: the binders list ends it);
 *  s3_*: section 5, HelloRetryRequest (its server Certificate is s1_cert:
 *    the traces use one server certificate).
 * The bytes are data, tests/unit/data/tls/rfc8448.txt; this header
 * declares the arrays (static: include it once per test file) and
 * rfc8448_load(), the fixture that fills them (tests/unit/vecfile.h).
 */
#ifndef MEEK_TESTS_UNIT_RFC8448_H
#define MEEK_TESTS_UNIT_RFC8448_H
#include "tests/unit/vecfile.h"

#define RFC8448_VECTORS(X) \
	X(s1_ch, 196) \
	X(s1_sh, 90) \
	X(s1_early, 32) \
	X(s1_shared, 32) \
	X(s1_hs, 32) \
	X(s1_th_ch_sh, 32) \
	X(s1_c_hs, 32) \
	X(s1_s_hs, 32) \
	X(s1_master, 32) \
	X(s1_s_hs_key, 16) \
	X(s1_s_hs_iv, 12) \
	X(s1_ee, 40) \
	X(s1_cert, 445) \
	X(s1_cv, 136) \
	X(s1_s_fin, 32) \
	X(s1_s_fin_msg, 36) \
	X(s1_th_ch_sf, 32) \
	X(s1_c_ap, 32) \
	X(s1_s_ap, 32) \
	X(s1_s_ap_key, 16) \
	X(s1_s_ap_iv, 12) \
	X(s1_c_hs_key, 16) \
	X(s1_c_hs_iv, 12) \
	X(s1_c_fin, 32) \
	X(s1_c_fin_msg, 36) \
	X(s1_c_ap_key, 16) \
	X(s1_c_ap_iv, 12) \
	X(s1_th_ch_cf, 32) \
	X(s1_res_master, 32) \
	X(s1_psk, 32) \
	X(s1_nst, 205) \
	X(s2_early, 32) \
	X(s2_ch_prefix, 477) \
	X(s2_binder_hash, 32) \
	X(s2_binder_key, 32) \
	X(s2_binder, 32) \
	X(s2_th_ch, 32) \
	X(s2_c_e, 32) \
	X(s2_c_e_key, 16) \
	X(s2_c_e_iv, 12) \
	X(s2_sh, 96) \
	X(s2_shared, 32) \
	X(s2_hs, 32) \
	X(s2_th_ch_sh, 32) \
	X(s2_c_hs, 32) \
	X(s2_s_hs, 32) \
	X(s3_ch1, 180) \
	X(s3_hrr, 176) \
	X(s3_ch2, 512) \
	X(s3_sh, 123) \
	X(s3_shared, 32) \
	X(s3_hs, 32) \
	X(s3_th_ch_sh, 32) \
	X(s3_c_hs, 32) \
	X(s3_s_hs, 32) \
	X(s3_ee, 28) \
	X(s3_cv, 136) \
	X(s3_s_fin, 32) \
	X(s3_s_fin_msg, 36) \
	X(s3_c_fin, 32) \
	X(s1_s_hs_rec, 679) \
	X(s1_c_fin_rec, 58) \
	X(s1_nst_rec, 227) \
	X(s1_c_app_plain, 50) \
	X(s1_c_app_rec, 72) \
	X(s1_s_app_plain, 50) \
	X(s1_s_app_rec, 72) \
	X(s1_c_alert_plain, 2) \
	X(s1_c_alert_rec, 24) \
	X(s1_s_alert_plain, 2) \
	X(s1_s_alert_rec, 24)

VECFILE_SET(rfc8448_load, "tls/rfc8448.txt", RFC8448_VECTORS)

#endif
