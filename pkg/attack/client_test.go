package attack

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// hitOnce sends one hit with the given client and returns its result. The
// attack's only slot is due 10ms in; a machine too busy to send it by the
// end of the run counts it missed, and then it is tried again.
func hitOnce(t *testing.T, client, url string, edit func(*Options)) Result {
	t.Helper()
	o := DefaultOptions()
	o.Client = client
	o.Timeout = 2 * time.Second
	o.Duration = 10 * time.Millisecond
	if edit != nil {
		edit(&o)
	}
	for range 20 {
		a, err := New(targetsFor(t, url), Constant{Freq: 1, Per: 10 * time.Millisecond}, o)
		if err != nil {
			t.Fatal(err)
		}
		var res []Result
		out := a.Run(context.Background(), func(r *Result) { res = append(res, *r) })
		switch {
		case len(res) == 1:
			return res[0]
		case len(res) != 0 || out.Missed != 1:
			t.Fatalf("%d results, %d missed; want 1 result", len(res), out.Missed)
		}
	}
	t.Fatal("the one slot was missed 20 times")
	return Result{}
}

// TestClientsAgree: fast and net report statuses, errors, redirects and
// timeouts the same way (vegeta's meanings).
func TestClientsAgree(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Vegeta-Seq") == "" {
			http.Error(w, "no seq", http.StatusBadRequest)
		}
		w.Write([]byte("hello"))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select { // far beyond the timeout, however late its timer fires on a busy machine
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	url := loopback(t, mux.ServeHTTP)

	for _, c := range []string{ClientNet, ClientFast} {
		t.Run(c, func(t *testing.T) {
			if r := hitOnce(t, c, url+"/missing", nil); r.Code != 404 || r.Error != "404 Not Found" {
				t.Errorf("404: code %d error %q", r.Code, r.Error)
			}
			if r := hitOnce(t, c, url+"/moved", nil); r.Code != 200 || r.Error != "" {
				t.Errorf("redirect followed: code %d error %q", r.Code, r.Error)
			}
			if r := hitOnce(t, c, url+"/moved", func(o *Options) { o.Redirects = -1 }); r.Code != 302 || r.Error != "" {
				t.Errorf("redirect not followed: code %d error %q", r.Code, r.Error)
			}
			if r := hitOnce(t, c, url+"/loop", func(o *Options) { o.Redirects = 2 }); !strings.Contains(r.Error, "stopped after 2 redirects") {
				t.Errorf("redirect loop: code %d error %q", r.Code, r.Error)
			}
			if r := hitOnce(t, c, url+"/ok", func(o *Options) { o.MaxBody = -1 }); r.Code != 200 || r.BytesIn != 5 {
				t.Errorf("body: code %d bytes in %d error %q", r.Code, r.BytesIn, r.Error)
			}
			r := hitOnce(t, c, url+"/slow", func(o *Options) { o.Timeout = 50 * time.Millisecond })
			if r.Error == "" || r.Code != 0 || r.Service >= 10*time.Second {
				t.Errorf("timeout: code %d error %q after %s", r.Code, r.Error, r.Service)
			}
		})
	}
}

// TestAbortFailsInFlight: Abort closes the connections, so a request
// stuck on a stalled target fails at once instead of at the timeout. The
// abort comes once a request of this subtest has reached the target (its
// own path: a request the previous subtest sent may still arrive late on a
// busy machine, and would abort this one before it sent anything).
func TestAbortFailsInFlight(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan string, 16)
	url := loopback(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- r.URL.Path:
		default:
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	for _, c := range []string{ClientNet, ClientFast} {
		t.Run(c, func(t *testing.T) {
			o := DefaultOptions()
			o.Client, o.Timeout, o.Duration = c, time.Minute, time.Second
			a, err := New(targetsFor(t, url+"/"+c), Constant{Freq: 100, Per: time.Second}, o)
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				for deadline := time.After(30 * time.Second); ; {
					select {
					case p := <-arrived:
						if p != "/"+c {
							continue
						}
					case <-deadline:
					}
					break
				}
				a.Abort()
			}()
			start := time.Now()
			errs := 0
			out := a.Run(context.Background(), func(r *Result) {
				if r.Error != "" {
					errs++
				}
			})
			if took := time.Since(start); took > 30*time.Second || !out.Aborted || errs == 0 { // far below the 1 min timeout it proves cut short
				t.Fatalf("abort: took %s, aborted %v, %d errors", took, out.Aborted, errs)
			}
		})
	}
}

func TestResolveClient(t *testing.T) {
	for _, tc := range []struct {
		url, want, client string
		h2c, fail         bool
	}{
		{"http://127.0.0.1/", ClientFast, ClientAuto, false, false},
		{"https://127.0.0.1/", ClientNet, ClientAuto, false, false},
		{"http://127.0.0.1/", ClientNet, ClientAuto, true, false},
		{"https://127.0.0.1/", "", ClientFast, false, true},
		{"http://127.0.0.1/", ClientNet, ClientNet, false, false},
		{"http://127.0.0.1/", "", "bogus", false, true},
	} {
		o := DefaultOptions()
		o.Client, o.H2C = tc.client, tc.h2c
		got, err := resolveClient(o, targetsFor(t, tc.url))
		if (err != nil) != tc.fail || got != tc.want {
			t.Errorf("%s %s h2c=%v: got %q, %v; want %q", tc.client, tc.url, tc.h2c, got, err, tc.want)
		}
	}
}

// TestClientsSendTargetHeaders: headers, the Host override and the body of
// a vegeta Target reach the server the same way through both clients.
func TestClientsSendTargetHeaders(t *testing.T) {
	url := loopback(t, func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 16)
		n, _ := r.Body.Read(b)
		if r.Host != "example.test" || r.Header.Get("X-Token") != "abc" || string(b[:n]) != "hi" || r.Method != "POST" {
			http.Error(w, r.Host+" "+r.Header.Get("X-Token")+" "+string(b[:n]), http.StatusBadRequest)
		}
	})
	hdr := http.Header{"X-Token": {"abc"}, "Host": {"example.test"}}
	for _, c := range []string{ClientNet, ClientFast} {
		t.Run(c, func(t *testing.T) {
			tg, err := TargetsFromURLs([]string{url}, "POST", hdr, []byte("hi"))
			if err != nil {
				t.Fatal(err)
			}
			o := DefaultOptions()
			o.Client, o.Duration = c, 10*time.Millisecond
			a, err := New(tg, Constant{Freq: 1, Per: 10 * time.Millisecond}, o)
			if err != nil {
				t.Fatal(err)
			}
			var got Result
			a.Run(context.Background(), func(r *Result) { got = *r })
			if got.Code != 200 || got.BytesOut != 2 {
				t.Fatalf("code %d error %q bytes out %d", got.Code, got.Error, got.BytesOut)
			}
		})
	}
}

// TestClientsSendURLCredentials: a URL's userinfo goes out as Basic
// credentials with either client, as net/http sends it.
func TestClientsSendURLCredentials(t *testing.T) {
	url := loopback(t, func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "pw" {
			http.Error(w, "no credentials", http.StatusUnauthorized)
		}
	})
	for _, c := range []string{ClientNet, ClientFast} {
		t.Run(c, func(t *testing.T) {
			r := hitOnce(t, c, strings.Replace(url, "http://", "http://user:pw@", 1), nil)
			if r.Code != 200 {
				t.Fatalf("code %d error %q", r.Code, r.Error)
			}
		})
	}
}
