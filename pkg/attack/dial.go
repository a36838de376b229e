package attack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// route is how an attack's connections are made, with vegeta's meanings:
// a local address (-laddr), DNS servers of its own (-resolvers), a Unix
// socket instead of the URL's host (-unix-socket), and addresses to
// connect to instead of a URL's host:port, round-robin (-connect-to).
// Both clients dial through it, so none of these forces net/http.
type route struct {
	dialer    net.Dialer
	unix      string
	mu        sync.Mutex
	connectTo map[string]*roundRobin
}

type roundRobin struct {
	addrs []string
	n     int
}

func newRoute(o Options) (*route, error) {
	r := &route{dialer: net.Dialer{KeepAlive: 30 * time.Second}, unix: o.UnixSocket}
	if o.LocalAddr != nil {
		r.dialer.LocalAddr = &net.TCPAddr{IP: o.LocalAddr}
	}
	if len(o.Resolvers) > 0 {
		res, err := newResolver(o.Resolvers)
		if err != nil {
			return nil, optionErr("Resolvers", "%w", err)
		}
		r.dialer.Resolver = res
	}
	if len(o.ConnectTo) > 0 {
		r.connectTo = map[string]*roundRobin{}
		for from, to := range o.ConnectTo {
			if len(to) == 0 {
				return nil, optionErr("ConnectTo", "connect-to %s: no address to connect to instead", from)
			}
			r.connectTo[from] = &roundRobin{addrs: append([]string(nil), to...)}
		}
	}
	return r, nil
}

// dial connects to addr, or to where the route sends it.
func (r *route) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if r.unix != "" {
		return r.dialer.DialContext(ctx, "unix", r.unix)
	}
	if rr := r.connectTo[addr]; rr != nil {
		r.mu.Lock()
		addr = rr.addrs[rr.n%len(rr.addrs)]
		rr.n++
		r.mu.Unlock()
	}
	return r.dialer.DialContext(ctx, network, addr)
}

// newResolver resolves names with the given DNS servers only (host or
// host:port, port 53 by default), as vegeta's -resolvers.
func newResolver(servers []string) (*net.Resolver, error) {
	addrs := make([]string, 0, len(servers))
	for _, s := range servers {
		s = strings.TrimSpace(s)
		if _, _, err := net.SplitHostPort(s); err != nil {
			s = net.JoinHostPort(strings.Trim(s, "[]"), "53")
		}
		host, port, err := net.SplitHostPort(s)
		if err != nil || net.ParseIP(host) == nil {
			return nil, fmt.Errorf("resolver %q: want an IP address, optionally with :port", s)
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return nil, fmt.Errorf("resolver %q: bad port", s)
		}
		addrs = append(addrs, s)
	}
	if len(addrs) == 0 {
		return nil, errors.New("no resolver address")
	}
	var mu sync.Mutex
	next := 0
	var d net.Dialer
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			mu.Lock()
			a := addrs[next%len(addrs)]
			next++
			mu.Unlock()
			return d.DialContext(ctx, network, a)
		},
	}, nil
}

// ParseConnectTo reads vegeta's -connect-to value "HOST:PORT:TO_HOST:TO_PORT"
// (IPv6 hosts in brackets) into the pair ConnectTo maps.
func ParseConnectTo(s string) (from, to string, err error) {
	parts, err := splitHostPorts(s)
	if err != nil || len(parts) != 2 {
		return "", "", fmt.Errorf("invalid connect-to %q: want HOST:PORT:TO_HOST:TO_PORT, like example.com:80:127.0.0.1:8080", s)
	}
	return parts[0], parts[1], nil
}

// splitHostPorts splits "a:1:b:2" (hosts may be [v6]) into "a:1", "b:2".
func splitHostPorts(s string) ([]string, error) {
	var out []string
	for s != "" {
		var host string
		if strings.HasPrefix(s, "[") {
			end := strings.Index(s, "]")
			if end < 0 {
				return nil, errors.New("unclosed [")
			}
			host, s = s[:end+1], s[end+1:]
		} else {
			i := strings.Index(s, ":")
			if i < 0 {
				return nil, errors.New("no port")
			}
			host, s = s[:i], s[i:]
		}
		if !strings.HasPrefix(s, ":") {
			return nil, errors.New("no port")
		}
		s = s[1:]
		port := s
		if i := strings.Index(s, ":"); i >= 0 {
			port, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil || host == "" {
			return nil, errors.New("bad host:port")
		}
		out = append(out, net.JoinHostPort(strings.Trim(host, "[]"), port))
	}
	return out, nil
}
