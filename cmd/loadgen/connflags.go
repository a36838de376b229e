package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/loadgen/loadgen/pkg/attack"
)

// connFlags are vegeta's flags for how connections are made and what TLS
// presents, with vegeta's names and meanings.
type connFlags struct {
	cert, key   string
	rootCerts   stringList
	laddr       string
	resolvers   stringList
	unixSocket  string
	connectTo   stringList
	proxyHeader stringList
	chunked     bool
	lazy        bool
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.cert, "cert", "", "TLS client PEM encoded certificate file")
	fs.StringVar(&c.key, "key", "", "TLS client PEM encoded private key file (default: the -cert file)")
	fs.Var(&c.rootCerts, "root-certs", "TLS root certificate files (comma separated list, or repeat the flag)")
	fs.StringVar(&c.laddr, "laddr", "", "local IP address to connect from (default: any)")
	fs.Var(&c.resolvers, "resolvers", "DNS servers IP[:port] to resolve target hosts with, instead of the system's (comma separated list, or repeat the flag)")
	fs.StringVar(&c.unixSocket, "unix-socket", "", "connect over this Unix socket; it overrides the host address in target URLs")
	fs.Var(&c.connectTo, "connect-to", "connect to TO_HOST:TO_PORT instead of a target URL's HOST:PORT, given as HOST:PORT:TO_HOST:TO_PORT (repeatable; several for one HOST:PORT round-robin)")
	fs.Var(&c.proxyHeader, "proxy-header", "header \"Name: value\" sent with CONNECT to an HTTP proxy (repeatable)")
	fs.BoolVar(&c.chunked, "chunked", false, "send the body with chunked transfer encoding")
	fs.BoolVar(&c.lazy, "lazy", false, "read -targets as the attack goes, a bounded number ahead, as vegeta -lazy: for a stream that never ends (a generator piped in) or a file too large to hold. Each request takes the next target, once (no round-robin); the attack ends when the targets do, or at a bad line (file:line). A request whose target is not read yet when due waits for it, the wait in its latency. Not with -url, shards, capacity, coordinator, kubernetes or profile scenarios")
}

// apply sets the options these flags describe, reading the files they name.
func (c *connFlags) apply(o *attack.Options) error {
	if c.laddr != "" {
		ip := net.ParseIP(c.laddr)
		if ip == nil {
			return usagef("-laddr %q: want an IP address, like 127.0.0.1", c.laddr)
		}
		o.LocalAddr = ip
	}
	for _, r := range c.resolvers {
		for _, a := range strings.Split(r, ",") {
			if a = strings.TrimSpace(a); a != "" {
				o.Resolvers = append(o.Resolvers, a)
			}
		}
	}
	o.UnixSocket = c.unixSocket
	for _, m := range c.connectTo {
		from, to, err := attack.ParseConnectTo(m)
		if err != nil {
			return usagef("-connect-to: %w", err)
		}
		if o.ConnectTo == nil {
			o.ConnectTo = map[string][]string{}
		}
		o.ConnectTo[from] = append(o.ConnectTo[from], to)
	}
	for _, h := range c.proxyHeader {
		k, v, err := attack.ParseHeader(h)
		if err != nil {
			return usagef("-proxy-header: %w", err)
		}
		if o.ProxyHeader == nil {
			o.ProxyHeader = http.Header{}
		}
		o.ProxyHeader.Add(k, v)
	}
	o.Chunked = c.chunked
	return c.tls(o)
}

// tls builds the TLS configuration from -cert, -key and -root-certs, as
// vegeta does (the key defaults to the certificate file).
func (c *connFlags) tls(o *attack.Options) error {
	if c.cert == "" && c.key == "" && len(c.rootCerts) == 0 {
		return nil
	}
	cfg := &tls.Config{}
	if c.key != "" && c.cert == "" {
		return usagef("-key needs -cert")
	}
	if c.cert != "" {
		certPEM, err := os.ReadFile(c.cert)
		if err != nil {
			return usagef("-cert: %w", err)
		}
		keyPEM := certPEM
		if c.key != "" {
			if keyPEM, err = os.ReadFile(c.key); err != nil {
				return usagef("-key: %w", err)
			}
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return usagef("-cert/-key: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	for _, list := range c.rootCerts {
		for _, f := range strings.Split(list, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			pem, err := os.ReadFile(f)
			if err != nil {
				return usagef("-root-certs: %w", err)
			}
			if cfg.RootCAs == nil {
				cfg.RootCAs = x509.NewCertPool()
			}
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				return usagef("-root-certs %s: no PEM certificate in it", f)
			}
		}
	}
	o.TLS = cfg
	return nil
}
