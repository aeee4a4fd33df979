/*
 * tlsmsg: parsers of the handshake messages a TLS client receives from a
 * server (TLS 1.3, RFC 8446, and TLS 1.2, RFC 5246/8422/7627), and a
 * splitter of the handshake byte stream into messages.
 *
 * Every parser is a pure function of its input: it keeps no state and does
 * no cryptography (CompressedCertificate runs libbrotlidec).  Each takes the
 * message BODY (the bytes after the 4-byte type/length header that
 * tlsmsg_next() strips) and fills a caller-owned struct whose pointers point
 * into that body: they are valid as long as the caller keeps the buffer.
 * Every length field is bounds-checked; trailing bytes are errors.
 *
 * Errors: each parser returns 0 or MEEK_EPROTO, with *why a string literal
 * naming the message and the field ("ServerHello: session_id length") and
 * *alert the TLS alert (TLSMSG_ALERT_*) the engine must send, as RFC 8446
 * says: decode_error for bad encodings, illegal_parameter for well-formed
 * but forbidden values (and for a known extension in a message where it is
 * not allowed), unsupported_extension for an extension the client did not
 * offer (or an unknown one), bad_certificate for an undecompressible
 * certificate (RFC 8879).  `alert` and `why` must not be NULL.
 *
 * Extensions the client offered are passed as a mask of TLSMSG_X_* bits
 * (`offered`); the parsers report the ones present in the same form.
 * Semantic checks that need the client's state (session id echo, the
 * cipher suite and group were offered, the ALPN name was offered, the PSK
 * identity index is in range, the ticket fits the cache) are the caller's.
 *
 * Thread: any (no shared state).
 */
#ifndef MEEK_SHARED_TLSMSG_H
#define MEEK_SHARED_TLSMSG_H
#include <stddef.h>
#include <stdint.h>

/* Handshake message types. */
enum {
	TLSMSG_CLIENT_HELLO = 1,
	TLSMSG_SERVER_HELLO = 2,
	TLSMSG_NEW_SESSION_TICKET = 4,
	TLSMSG_END_OF_EARLY_DATA = 5,
	TLSMSG_ENCRYPTED_EXTENSIONS = 8,
	TLSMSG_CERTIFICATE = 11,
	TLSMSG_SERVER_KEY_EXCHANGE = 12,
	TLSMSG_CERTIFICATE_REQUEST = 13,
	TLSMSG_SERVER_HELLO_DONE = 14,
	TLSMSG_CERTIFICATE_VERIFY = 15,
	TLSMSG_CLIENT_KEY_EXCHANGE = 16,
	TLSMSG_FINISHED = 20,
	TLSMSG_CERTIFICATE_STATUS = 22,
	TLSMSG_KEY_UPDATE = 24,
	TLSMSG_COMPRESSED_CERTIFICATE = 25,
	TLSMSG_MESSAGE_HASH = 254
};

/* TLS alert descriptions (RFC 8446 6). */
enum {
	TLSMSG_ALERT_CLOSE_NOTIFY = 0,
	TLSMSG_ALERT_UNEXPECTED_MESSAGE = 10,
	TLSMSG_ALERT_BAD_RECORD_MAC = 20,
	TLSMSG_ALERT_RECORD_OVERFLOW = 22,
	TLSMSG_ALERT_HANDSHAKE_FAILURE = 40,
	TLSMSG_ALERT_BAD_CERTIFICATE = 42,
	TLSMSG_ALERT_UNSUPPORTED_CERTIFICATE = 43,
	TLSMSG_ALERT_CERTIFICATE_REVOKED = 44,
	TLSMSG_ALERT_CERTIFICATE_EXPIRED = 45,
	TLSMSG_ALERT_CERTIFICATE_UNKNOWN = 46,
	TLSMSG_ALERT_ILLEGAL_PARAMETER = 47,
	TLSMSG_ALERT_UNKNOWN_CA = 48,
	TLSMSG_ALERT_ACCESS_DENIED = 49,
	TLSMSG_ALERT_DECODE_ERROR = 50,
	TLSMSG_ALERT_DECRYPT_ERROR = 51,
	TLSMSG_ALERT_PROTOCOL_VERSION = 70,
	TLSMSG_ALERT_INSUFFICIENT_SECURITY = 71,
	TLSMSG_ALERT_INTERNAL_ERROR = 80,
	TLSMSG_ALERT_INAPPROPRIATE_FALLBACK = 86,
	TLSMSG_ALERT_USER_CANCELED = 90,
	TLSMSG_ALERT_NO_RENEGOTIATION = 100,
	TLSMSG_ALERT_MISSING_EXTENSION = 109,
	TLSMSG_ALERT_UNSUPPORTED_EXTENSION = 110,
	TLSMSG_ALERT_UNRECOGNIZED_NAME = 112,
	TLSMSG_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE = 113,
	TLSMSG_ALERT_UNKNOWN_PSK_IDENTITY = 115,
	TLSMSG_ALERT_CERTIFICATE_REQUIRED = 116,
	TLSMSG_ALERT_NO_APPLICATION_PROTOCOL = 120,
	TLSMSG_ALERT_ECH_REQUIRED = 121
};

/* Returns the RFC name of alert description `alert` ("decode_error"), or
 * "unknown alert" (a literal, for "TLS alert from peer: %s"). */
const char *tlsmsg_alert_name(unsigned alert);

/* Extension bits (the `offered` masks and the `exts` fields). */
#define TLSMSG_X_SERVER_NAME            (1u << 0)   /* 0 */
#define TLSMSG_X_STATUS_REQUEST         (1u << 1)   /* 5 */
#define TLSMSG_X_SUPPORTED_GROUPS       (1u << 2)   /* 10 */
#define TLSMSG_X_EC_POINT_FORMATS       (1u << 3)   /* 11 */
#define TLSMSG_X_SIGNATURE_ALGORITHMS   (1u << 4)   /* 13 */
#define TLSMSG_X_ALPN                   (1u << 5)   /* 16 */
#define TLSMSG_X_SCT                    (1u << 6)   /* 18 signed_certificate_timestamp */
#define TLSMSG_X_PADDING                (1u << 7)   /* 21 */
#define TLSMSG_X_EXTENDED_MASTER_SECRET (1u << 8)   /* 23 */
#define TLSMSG_X_COMPRESS_CERTIFICATE   (1u << 9)   /* 27 */
#define TLSMSG_X_SESSION_TICKET         (1u << 10)  /* 35 */
#define TLSMSG_X_PRE_SHARED_KEY         (1u << 11)  /* 41 */
#define TLSMSG_X_EARLY_DATA             (1u << 12)  /* 42 */
#define TLSMSG_X_SUPPORTED_VERSIONS     (1u << 13)  /* 43 */
#define TLSMSG_X_COOKIE                 (1u << 14)  /* 44 (never in `offered`: HRR may send it) */
#define TLSMSG_X_PSK_KEY_EXCHANGE_MODES (1u << 15)  /* 45 */
#define TLSMSG_X_CERTIFICATE_AUTHORITIES (1u << 16) /* 47 */
#define TLSMSG_X_SIGNATURE_ALGORITHMS_CERT (1u << 17) /* 50 */
#define TLSMSG_X_KEY_SHARE              (1u << 18)  /* 51 */
#define TLSMSG_X_ALPS                   (1u << 19)  /* 0x44cd application_settings (new) */
#define TLSMSG_X_ECH                    (1u << 20)  /* 0xfe0d encrypted_client_hello */
#define TLSMSG_X_RENEGOTIATION_INFO     (1u << 21)  /* 0xff01 */
#define TLSMSG_X_RECORD_SIZE_LIMIT      (1u << 22)  /* 28 */

/* Returns the TLSMSG_X_* bit of extension `type`, 0 for one this module
 * does not know (GREASE included). */
uint32_t tlsmsg_ext_bit(uint16_t type);

/* Largest message bodies accepted (the engine passes these as `max` to
 * tlsmsg_next()).  A server Certificate chain (plain, or decompressed):
 * 128 KiB.  Real chains are 3-12 KiB (20 KiB with 4096-bit RSA, SCTs and a
 * stapled OCSP response); BoringSSL caps them at 100 KiB (max_cert_list)
 * and Chrome accepts up to 1 << 24 decompressed, but meek-client runs on
 * routers with one such buffer per connection, so a hostile server must not
 * make it allocate megabytes.  Every other message: 16 KiB (BoringSSL's
 * kMaxMessageLen), except the TLS 1.2 ServerKeyExchange (a point and a
 * signature: < 2 KiB) which also fits in that. */
#define TLSMSG_CERT_MSG_MAX  (128u * 1024u)
#define TLSMSG_MSG_MAX       (16u * 1024u)
/* Certificates kept from one Certificate message (leaf first).  More is an
 * error (bad_certificate): Web PKI chains are 2-4 long. */
#define TLSMSG_CERT_CHAIN_MAX 10

/* The limit for a message of handshake `type`: TLSMSG_CERT_MSG_MAX for
 * Certificate and CompressedCertificate, TLSMSG_MSG_MAX for the others.
 * Once buf[0] is in, call tlsmsg_next(..., tlsmsg_max_len(buf[0]), ...). */
size_t tlsmsg_max_len(unsigned type);

/*
 * Splits the handshake stream: `buf` holds `len` bytes of handshake data
 * (possibly several messages, possibly a partial one: the caller appends
 * record payloads to its buffer).  Returns 1 when a complete message is at
 * buf[0]: *type, *body (= buf + 4), *body_len, and *msg_len (4 + body_len,
 * what to add to the transcript and consume); 0 when more bytes are needed
 * (nothing set; *msg_len is the total needed once the header is in, else
 * 0); MEEK_EPROTO when the declared body length exceeds `max`
 * (illegal_parameter, as BoringSSL: "excessive message size").
 */
int tlsmsg_next(const unsigned char *buf, size_t len, size_t max, unsigned *type,
    const unsigned char **body, size_t *body_len, size_t *msg_len, int *alert,
    const char **why);

/*
 * ServerHello (type 2) and HelloRetryRequest (a ServerHello with the
 * special random of RFC 8446 4.1.3; hrr = 1).  Checks: legacy_version
 * 0x0303 (TLS 1.3 via supported_versions = 0x0304 only; without
 * supported_versions, legacy_version must be 0x0303 = TLS 1.2:
 * protocol_version otherwise), session id <= 32, compression 0, each
 * extension offered (unsupported_extension), at most once and allowed in
 * this message (illegal_parameter): TLS 1.3 ServerHello: supported_versions,
 * key_share, pre_shared_key; HRR: supported_versions, key_share (the
 * selected_group only), cookie; TLS 1.2: server_name (empty),
 * status_request (empty), extended_master_secret (empty),
 * renegotiation_info (must be the empty initial form), ALPN (one name),
 * ec_point_formats (must list uncompressed), session_ticket (empty), SCT
 * (ignored).  An HRR without supported_versions or key_share/cookie, and a
 * TLS 1.3 ServerHello without supported_versions, are illegal_parameter.
 */
struct tlsmsg_server_hello {
	int hrr;                        /* 1: HelloRetryRequest */
	uint16_t legacy_version;
	uint16_t version;               /* 0x0304 or 0x0303 (negotiated) */
	const unsigned char *random;    /* 32 bytes */
	/* TLS 1.2 only: 12 when the random ends in "DOWNGRD\x01" (the server
	 * does TLS 1.3), 11 for "DOWNGRD\x00", else 0.  A client that offered
	 * TLS 1.3 must abort with illegal_parameter when non-zero. */
	int downgrade;
	const unsigned char *session_id;
	size_t session_id_len;
	uint16_t cipher_suite;
	uint32_t exts;                  /* TLSMSG_X_* present */
	/* key_share: ServerHello: group + share; HRR: selected group, no share */
	uint16_t group;
	const unsigned char *share;
	size_t share_len;
	int psk_identity;               /* pre_shared_key selected_identity, -1 absent */
	const unsigned char *cookie;    /* HRR cookie (1..65535 bytes) */
	size_t cookie_len;
	const unsigned char *alpn;      /* TLS 1.2 selected ALPN name */
	size_t alpn_len;
};
int tlsmsg_server_hello(const unsigned char *body, size_t len, uint32_t offered,
    struct tlsmsg_server_hello *out, int *alert, const char **why);

/*
 * EncryptedExtensions (type 8).  Allowed (when offered): server_name
 * (empty ack), supported_groups (the server's list, informational), ALPN
 * (exactly one non-empty name), ALPS 0x44cd (raw settings; requires ALPN:
 * illegal_parameter without), early_data (empty: the server accepted 0-RTT),
 * encrypted_client_hello (retry configs; a GREASE-ECH client ignores them),
 * record_size_limit (uint16 >= 64).  Known extensions that do not belong in
 * EE (key_share, supported_versions, pre_shared_key, ...): illegal_parameter.
 */
struct tlsmsg_encrypted_extensions {
	uint32_t exts;
	const unsigned char *alpn;      /* selected protocol name */
	size_t alpn_len;
	const unsigned char *alps;      /* server application settings */
	size_t alps_len;
	const unsigned char *groups;    /* NamedGroup list, 2 bytes each */
	size_t groups_len;
	const unsigned char *ech;       /* ECHConfigList (not parsed) */
	size_t ech_len;
	uint16_t record_size_limit;     /* 0 absent */
};
int tlsmsg_encrypted_extensions(const unsigned char *body, size_t len, uint32_t offered,
    struct tlsmsg_encrypted_extensions *out, int *alert, const char **why);

/*
 * Certificate (type 11).  tls13: certificate_request_context (must be
 * empty: we never request post-handshake auth; illegal_parameter) and
 * per-entry extensions (status_request: OCSP, SCT: only when offered,
 * each at most once per entry; others unsupported_extension).  TLS 1.2:
 * the plain list.  An empty list is decode_error (RFC 8446 4.4.2.4); more
 * than TLSMSG_CERT_CHAIN_MAX entries bad_certificate.  Each DER is
 * 1..2^24-1 bytes (not parsed here: tlsx509 does).
 */
struct tlsmsg_cert_entry {
	const unsigned char *der;
	size_t der_len;
	const unsigned char *ocsp;      /* OCSPResponse from status_request, or NULL */
	size_t ocsp_len;
	const unsigned char *sct;       /* SignedCertificateTimestampList, or NULL */
	size_t sct_len;
};
struct tlsmsg_certificate {
	const unsigned char *context;
	size_t context_len;
	size_t n;
	struct tlsmsg_cert_entry e[TLSMSG_CERT_CHAIN_MAX];
};
int tlsmsg_certificate(const unsigned char *body, size_t len, int tls13, uint32_t offered,
    struct tlsmsg_certificate *out, int *alert, const char **why);

/*
 * CompressedCertificate (type 25, RFC 8879).  Accepts algorithm 2 (brotli)
 * only (others: illegal_parameter: Chrome offers only brotli).  Decompresses
 * into out[0..cap), which must hold the declared uncompressed_length (at
 * most TLSMSG_CERT_MSG_MAX and `cap`, else bad_certificate); the result
 * must be exactly that long (bad_certificate otherwise, and for any brotli
 * error).  The brotli decoder's own memory is capped (a hostile window size
 * cannot make it allocate more than about 1 MiB).  On success *out_len is the
 * uncompressed length and out holds a TLS 1.3 Certificate body: parse it
 * with tlsmsg_certificate(out, *out_len, 1, ...).  The transcript takes the
 * CompressedCertificate message as received, not the decompressed one.
 */
int tlsmsg_compressed_certificate(const unsigned char *body, size_t len, unsigned char *out,
    size_t cap, size_t *out_len, int *alert, const char **why);

/* CertificateVerify (type 15): scheme + signature<0..2^16-1>.  The
 * signature itself is checked by tlsx509_verify(). */
struct tlsmsg_certificate_verify {
	uint16_t scheme;
	const unsigned char *sig;
	size_t sig_len;
};
int tlsmsg_certificate_verify(const unsigned char *body, size_t len,
    struct tlsmsg_certificate_verify *out, int *alert, const char **why);

/* Finished (type 20): the body must be exactly `verify_len` bytes (the hash
 * length in TLS 1.3, 12 in TLS 1.2): decode_error otherwise.  Sets *verify
 * to the body (compare it in constant time). */
int tlsmsg_finished(const unsigned char *body, size_t len, size_t verify_len,
    const unsigned char **verify, int *alert, const char **why);

/*
 * NewSessionTicket (type 4).  tls13: lifetime (> 604800 s: illegal_parameter;
 * 0 is valid and means "do not cache"), age_add, nonce<0..255>,
 * ticket<1..2^16-1>, extensions: early_data (max_early_data_size),
 * duplicates illegal_parameter, unknown ones ignored (RFC 8446 4.6.1).
 * TLS 1.2 (RFC 5077): lifetime_hint + ticket<0..2^16-1> (age_add, nonce,
 * max_early_data are 0).
 */
struct tlsmsg_new_session_ticket {
	uint32_t lifetime;
	uint32_t age_add;
	const unsigned char *nonce;
	size_t nonce_len;
	const unsigned char *ticket;
	size_t ticket_len;
	int early_data;                 /* 1 when the early_data extension was present */
	uint32_t max_early_data;
};
int tlsmsg_new_session_ticket(const unsigned char *body, size_t len, int tls13,
    struct tlsmsg_new_session_ticket *out, int *alert, const char **why);

/* KeyUpdate (type 24): one byte, 0 (update_not_requested) or 1
 * (update_requested): *requested.  Other values illegal_parameter. */
int tlsmsg_key_update(const unsigned char *body, size_t len, int *requested, int *alert,
    const char **why);

/*
 * CertificateRequest (type 13), parsed for validity only (the engine answers
 * with an empty Certificate).  tls13: context<0..255> (echoed back by the
 * engine), extensions<2..2^16-1> which must contain signature_algorithms
 * (missing_extension otherwise); unknown extensions ignored (RFC 8446
 * 4.3.2), duplicates illegal_parameter.  TLS 1.2: certificate_types<1..255>,
 * supported_signature_algorithms<2..2^16-2>, certificate_authorities.
 */
struct tlsmsg_certificate_request {
	const unsigned char *context;
	size_t context_len;
};
int tlsmsg_certificate_request(const unsigned char *body, size_t len, int tls13,
    struct tlsmsg_certificate_request *out, int *alert, const char **why);

/*
 * TLS 1.2 ServerKeyExchange (type 12) for ECDHE suites: curve_type 3
 * (named_curve, else illegal_parameter), named curve, point<1..255>,
 * SignatureAndHashAlgorithm, signature<0..2^16-1>.  *params covers
 * curve_type .. point: the signature is over client_random ||
 * server_random || params (the caller builds that and calls
 * tlsx509_verify(..., tls13 = 0, ...)).
 */
struct tlsmsg_server_key_exchange {
	uint16_t group;
	const unsigned char *point;
	size_t point_len;
	const unsigned char *params;
	size_t params_len;
	uint16_t scheme;
	const unsigned char *sig;
	size_t sig_len;
};
int tlsmsg_server_key_exchange(const unsigned char *body, size_t len,
    struct tlsmsg_server_key_exchange *out, int *alert, const char **why);

/* TLS 1.2 ServerHelloDone (type 14): empty body, decode_error otherwise. */
int tlsmsg_server_hello_done(const unsigned char *body, size_t len, int *alert,
    const char **why);

/* TLS 1.2 CertificateStatus (type 22, only after status_request was acked):
 * status_type 1 (ocsp, else illegal_parameter) and OCSPResponse<1..2^24-1>.
 * Parsed and then ignored by the engine. */
int tlsmsg_certificate_status(const unsigned char *body, size_t len,
    const unsigned char **ocsp, size_t *ocsp_len, int *alert, const char **why);

#endif
