package attack

import (
	"net/http"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadTargetsHTTPFormat(t *testing.T) {
	dir := t.TempDir()
	body := filepath.Join(dir, "body.json")
	if err := os.WriteFile(body, []byte(`{"a":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	src := "# comment\n" +
		"GET http://127.0.0.1:8080/a\n" +
		"X-Trace: 1\n" +
		"\n" +
		"POST http://127.0.0.1:8080/b\n" +
		"Content-Type: application/json\n" +
		"@" + body + "\n" +
		"\n" +
		"GET http://127.0.0.1:8080/c\n" +
		"GET http://127.0.0.1:8080/d\n"
	hdr := http.Header{"X-Default": {"yes"}}
	tgts, err := ReadTargets(strings.NewReader(src), "t.txt", FormatHTTP, hdr, []byte("default"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tgts) != 4 {
		t.Fatalf("got %d targets, want 4: %+v", len(tgts), tgts)
	}
	if tgts[0].Header.Get("X-Trace") != "1" || tgts[0].Header.Get("X-Default") != "yes" || string(tgts[0].Body) != "default" {
		t.Errorf("target 1 = %+v", tgts[0])
	}
	if tgts[1].Method != "POST" || string(tgts[1].Body) != `{"a":1}` || tgts[1].Header.Get("Content-Type") != "application/json" {
		t.Errorf("target 2 = %+v", tgts[1])
	}
	if tgts[3].URL != "http://127.0.0.1:8080/d" {
		t.Errorf("target 4 = %+v", tgts[3])
	}
}

func TestReadTargetsJSONFormat(t *testing.T) {
	src := `{"method":"GET","url":"http://127.0.0.1:1/x","header":{"A":["b"]}}` + "\n\n" +
		`{"method":"POST","url":"http://127.0.0.1:1/y","body":"aGk="}` + "\n"
	tgts, err := ReadTargets(strings.NewReader(src), "t.json", FormatJSON, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tgts) != 2 || tgts[0].Header.Get("A") != "b" || string(tgts[1].Body) != "hi" {
		t.Fatalf("got %+v", tgts)
	}
}

// Errors name the file and the line, before any traffic.
func TestReadTargetsErrorsNameLine(t *testing.T) {
	cases := []struct {
		format, src, want string
	}{
		{FormatHTTP, "GET http://127.0.0.1/a\n\nget http://127.0.0.1/b\n", "t:3: bad"},
		{FormatHTTP, "GET http://127.0.0.1/a\nX-Ok: 1\nNoColonHere\n", "t:3: bad header"},
		{FormatHTTP, "GET http://127.0.0.1/a\n@/does/not/exist\n", "t:2: bad body"},
		{FormatHTTP, "GET /relative\n", "t:1: invalid URL"},
		{FormatHTTP, "\n\nGET ftp://127.0.0.1/x\n", "t:3: invalid URL \"ftp://127.0.0.1/x\": scheme"},
		{FormatJSON, `{"method":"GET","url":"http://127.0.0.1/"}` + "\n" + `{"method":"GET"` + "\n", "t:2:"},
		{FormatJSON, `{"url":"http://127.0.0.1/"}` + "\n", "t:1: target: required method is missing"},
		{FormatHTTP, "# only a comment\n", "t: no targets found"},
		{"yaml", "x", "unknown targets format \"yaml\""},
	}
	for _, c := range cases {
		_, err := ReadTargets(strings.NewReader(c.src), "t", c.format, nil, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: error %v, want it to contain %q", c.format, c.src, err, c.want)
		}
	}
}

func TestTargetsFromURLs(t *testing.T) {
	if _, err := TargetsFromURLs(nil, "GET", nil, nil); err == nil {
		t.Error("no URLs accepted")
	}
	for _, bad := range []string{"127.0.0.1:8080/x", "http://", "/path", "ftp://h/"} {
		if _, err := TargetsFromURLs([]string{bad}, "GET", nil, nil); err == nil {
			t.Errorf("URL %q accepted", bad)
		}
	}
	if _, err := TargetsFromURLs([]string{"http://h/"}, "get", nil, nil); err == nil {
		t.Error("lower-case method accepted")
	}
	tgts, err := TargetsFromURLs([]string{"http://a/", "https://b:1/x?y=1"}, "PUT", http.Header{"K": {"v"}}, []byte("b"))
	if err != nil || len(tgts) != 2 || tgts[1].Method != "PUT" || tgts[1].Header.Get("K") != "v" {
		t.Fatalf("got %+v, %v", tgts, err)
	}
}

func TestParseHeader(t *testing.T) {
	if k, v, err := ParseHeader("Authorization:  Bearer x:y "); err != nil || k != "Authorization" || v != "Bearer x:y" {
		t.Errorf("got %q %q %v", k, v, err)
	}
	for _, bad := range []string{"", "NoColon", ": v", "Bad Name: v"} {
		if _, _, err := ParseHeader(bad); err == nil {
			t.Errorf("ParseHeader(%q) accepted", bad)
		}
	}
}

func FuzzReadTargets(f *testing.F) {
	f.Add("http", "GET http://127.0.0.1:8080/a\nX-A: b\n\nPOST http://127.0.0.1/b\n@body\n")
	f.Add("json", `{"method":"GET","url":"http://127.0.0.1/","header":{"a":["b"]},"body":"eA=="}`+"\n")
	f.Add("http", "# c\n\n\nGET http://x/\nGET http://y/\n")
	f.Add("http", "# @group a\nGET http://x/\n\n# @group b\nGET http://y/\nX: 1\n")
	f.Add("json", `{"method":"GET","url":"http://127.0.0.1/","group":"orders"}`+"\n")
	f.Fuzz(func(t *testing.T, format, src string) {
		if format != "http" && format != "json" {
			return
		}
		for _, l := range strings.Split(src, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "@") {
				return // body files would touch the file system
			}
		}
		tgts, groups, err := ReadGroupedTargets(strings.NewReader(src), "fuzz", format, nil, nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		for _, tg := range tgts {
			if CheckURL(tg.URL) != nil || tg.Method == "" {
				t.Fatalf("accepted bad target %+v", tg)
			}
		}
		if groups != nil && len(groups) != len(tgts) {
			t.Fatalf("%d groups for %d targets", len(groups), len(tgts))
		}
	})
}

// A targets file names its targets' groups in a way vegeta's own readers
// accept: "# @group NAME" before a target (a comment to vegeta), a "group"
// field in JSON (a field vegeta's decoder skips). vegeta v12.13.0's
// targeters read the same targets from the same files.
func TestGroupedTargetsStayVegetaFiles(t *testing.T) {
	httpSrc := "# @group orders\n" +
		"POST http://127.0.0.1:8080/orders\n" +
		"Content-Type: application/json\n" +
		"\n" +
		"GET http://127.0.0.1:8080/health\n" +
		"\n" +
		"#  @group  user profile \n" +
		"GET http://127.0.0.1:8080/users/1\n" +
		"GET http://127.0.0.1:8080/users/2\n"
	jsonSrc := `{"method":"POST","url":"http://127.0.0.1:8080/orders","group":"orders"}` + "\n" +
		`{"method":"GET","url":"http://127.0.0.1:8080/health"}` + "\n" +
		`{"group":"user profile","method":"GET","url":"http://127.0.0.1:8080/users/1"}` + "\n"
	for _, c := range []struct {
		format, src string
		groups      []string
		vegeta      func(string) vegeta.Targeter
	}{
		{FormatHTTP, httpSrc, []string{"orders", "", "user profile", ""},
			func(s string) vegeta.Targeter { return vegeta.NewHTTPTargeter(strings.NewReader(s), nil, nil) }},
		{FormatJSON, jsonSrc, []string{"orders", "", "user profile"},
			func(s string) vegeta.Targeter { return vegeta.NewJSONTargeter(strings.NewReader(s), nil, nil) }},
	} {
		tgts, groups, err := ReadGroupedTargets(strings.NewReader(c.src), "t", c.format, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.format, err)
		}
		if strings.Join(groups, "|") != strings.Join(c.groups, "|") {
			t.Errorf("%s: groups %q, want %q", c.format, groups, c.groups)
		}
		tr := c.vegeta(c.src)
		for i := 0; ; i++ {
			var v vegeta.Target
			err := tr(&v)
			if err == vegeta.ErrNoTargets {
				if i != len(tgts) {
					t.Errorf("%s: vegeta read %d targets, we read %d", c.format, i, len(tgts))
				}
				break
			}
			if err != nil {
				t.Fatalf("%s: vegeta cannot read the file: %v", c.format, err)
			}
			if i >= len(tgts) || v.Method != tgts[i].Method || v.URL != tgts[i].URL || len(v.Header) != len(tgts[i].Header) {
				t.Fatalf("%s: vegeta's target %d %+v differs from ours", c.format, i, v)
			}
		}
	}
	if _, groups, err := ReadGroupedTargets(strings.NewReader("GET http://127.0.0.1/\n"), "t", FormatHTTP, nil, nil); err != nil || groups != nil {
		t.Errorf("no group lines: groups %q, %v", groups, err)
	}
	for src, want := range map[string]string{
		"GET http://127.0.0.1/a\n# @group b\nGET http://127.0.0.1/b\n": "t: line 2: \"# @group\" inside a target",
		"# @group a\n\n# @group b\nGET http://127.0.0.1/b\n":           "t: line 3: a second",
		"GET http://127.0.0.1/a\n\n# @group b\n":                       "t: line 3: \"# @group\" with no target",
		"# @group   \nGET http://127.0.0.1/a\n":                        "without a name",
	} {
		if _, _, err := ReadGroupedTargets(strings.NewReader(src), "t", FormatHTTP, nil, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
	}
}
