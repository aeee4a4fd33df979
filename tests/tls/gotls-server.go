// gotls-server: a Go crypto/tls HTTPS peer for meek-c's client TLS tests.
// Stdlib only (built by the test with the machine's Go, never shipped).
//
//	gotls-server -cert C -key K [-groups X25519MLKEM768,X25519] [-max 1.2|1.3] [-tickets=false]
//	             [-proxy http://127.0.0.1:PORT] [-sink]
//
// Listens on 127.0.0.1:0, prints "LISTEN host:port", and answers every
// HTTP/1.1 request with one line describing the connection:
// "version=TLS1.3 group=X25519MLKEM768 suite=TLS_AES_128_GCM_SHA256 resumed=false alpn=http/1.1"
// followed by the request body it read (so a POST is echoed).  The line
// also goes to stderr.  With -proxy the server is a TLS front instead:
// every request is passed to that backend (a meek-server) and its answer
// relayed, and only the line goes to stderr, once per request.  With
// -sink there is no HTTP: each TLS connection's bytes are read and thrown
// away (bench/run measures our TLS 1.3 sending speed with it).
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
)

var groupNames = map[string]tls.CurveID{
	"X25519MLKEM768": tls.X25519MLKEM768,
	"X25519":         tls.X25519,
	"P-256":          tls.CurveP256,
	"P-384":          tls.CurveP384,
}

func versionName(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "TLS1.3"
	case tls.VersionTLS12:
		return "TLS1.2"
	}
	return fmt.Sprintf("0x%04x", v)
}

func groupName(c tls.CurveID) string {
	for n, id := range groupNames {
		if id == c {
			return n
		}
	}
	return fmt.Sprintf("0x%04x", uint16(c))
}

func main() {
	cert := flag.String("cert", "", "certificate chain (PEM)")
	key := flag.String("key", "", "private key (PEM)")
	groups := flag.String("groups", "", "comma-separated groups the server accepts, in preference order")
	maxv := flag.String("max", "1.3", "highest TLS version: 1.2 or 1.3")
	tickets := flag.Bool("tickets", true, "send session tickets")
	proxy := flag.String("proxy", "", "backend URL to pass requests to (a TLS front)")
	sink := flag.Bool("sink", false, "no HTTP: read and discard everything each TLS connection sends (bench)")
	flag.Parse()
	pair, err := tls.LoadX509KeyPair(*cert, *key)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gotls-server:", err)
		os.Exit(1)
	}
	cfg := &tls.Config{
		Certificates:           []tls.Certificate{pair},
		NextProtos:             []string{"http/1.1"},
		MinVersion:             tls.VersionTLS12,
		MaxVersion:             tls.VersionTLS13,
		SessionTicketsDisabled: !*tickets,
	}
	if *maxv == "1.2" {
		cfg.MaxVersion = tls.VersionTLS12
	}
	if *groups != "" {
		for _, g := range strings.Split(*groups, ",") {
			id, ok := groupNames[g]
			if !ok {
				fmt.Fprintln(os.Stderr, "gotls-server: unknown group", g)
				os.Exit(2)
			}
			cfg.CurvePreferences = append(cfg.CurvePreferences, id)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gotls-server:", err)
		os.Exit(1)
	}
	fmt.Printf("LISTEN %s\n", ln.Addr())
	os.Stdout.Sync()
	describe := func(cs *tls.ConnectionState) string {
		return fmt.Sprintf("version=%s group=%s suite=%s resumed=%v alpn=%s\n",
			versionName(cs.Version), groupName(cs.CurveID),
			tls.CipherSuiteName(cs.CipherSuite), cs.DidResume, cs.NegotiatedProtocol)
	}
	var backend *httputil.ReverseProxy
	if *proxy != "" {
		u, err := url.Parse(*proxy)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gotls-server: -proxy:", err)
			os.Exit(2)
		}
		backend = httputil.NewSingleHostReverseProxy(u)
		backend.FlushInterval = -1
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		line := describe(r.TLS)
		fmt.Fprint(os.Stderr, line)
		if backend != nil {
			backend.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		w.Header().Set("Content-Type", "application/octet-stream")
		io.WriteString(w, line)
		w.Write(body)
	})
	if *sink {
		tl := tls.NewListener(ln, cfg)
		for {
			c, err := tl.Accept()
			if err != nil {
				fmt.Fprintln(os.Stderr, "gotls-server:", err)
				os.Exit(1)
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}
	srv := &http.Server{Handler: h, TLSConfig: cfg,
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){}}
	if err := srv.Serve(tls.NewListener(ln, cfg)); err != nil {
		fmt.Fprintln(os.Stderr, "gotls-server:", err)
		os.Exit(1)
	}
}
