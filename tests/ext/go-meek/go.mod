// Go meek 0.37 (meek-client and meek-server), the reference implementation,
// built from the Go module proxy as an interop peer for tests/ext/go_meek.sh
// (setup.sh test downloads the modules; the test builds them offline).
// Test peer only: the programs never use Go.  The go line is 1.24 so that
// crypto/tls offers X25519MLKEM768 by default, as a current Go meek does.
module meek-c.test/gomeek

go 1.24

require (
	git.torproject.org/pluggable-transports/goptlib.git v1.1.0 // indirect
	git.torproject.org/pluggable-transports/meek.git v0.37.0 // indirect
	github.com/refraction-networking/utls v0.0.0-20210713165636-0b2885c8c0d4 // indirect
	golang.org/x/crypto v0.0.0-20200429183012-4b2356b1ed79 // indirect
	golang.org/x/net v0.0.0-20200425230154-ff2c4b7c35a0 // indirect
	golang.org/x/sys v0.0.0-20200428200454-593003d681fa // indirect
	golang.org/x/text v0.3.0 // indirect
)
