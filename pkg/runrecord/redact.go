package runrecord

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Redacted replaces every secret a record, a report or a log line would
// otherwise show.
const Redacted = "REDACTED"

// This file is loadgen's one redactor: run.json's plan, recorded
// arguments, collector URLs, grouped error messages of either client,
// collector warnings and the CLI's own messages all pass through it.

// secretHeaders are never written to a run record.
var secretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "X-Auth-Token"}

// Redact returns a copy of h with secret values replaced.
func Redact(h http.Header) http.Header {
	if len(h) == 0 {
		return nil
	}
	out := h.Clone()
	for k := range out {
		if IsSecretHeader(k) {
			out[k] = []string{Redacted}
		}
	}
	return out
}

// IsSecretHeader reports whether a header's value must not be recorded.
func IsSecretHeader(name string) bool {
	name = http.CanonicalHeaderKey(name)
	for _, s := range secretHeaders {
		if name == s {
			return true
		}
	}
	return IsSecretName(name)
}

// secretWords are credential words wherever they appear in a name
// (access_token, X-Amz-Signature, sessionid, client_secret, ApiKey).
var secretWords = []string{"token", "secret", "passw", "signature", "session", "sessid", "credential", "authoriz", "apikey", "accesskey", "privatekey", "jwt"}

// secretParts are credential words only as a whole part of a name
// (api_key, X-Goog-Sig, auth, pwd), since inside words they are not
// ("monkey", "signal", "author").
var secretParts = map[string]bool{"key": true, "sig": true, "auth": true, "pwd": true, "pass": true, "sid": true}

// IsSecretName reports whether a header, query parameter or setting name
// looks like it holds a credential: token, secret, password, signature,
// session, credential, api/access/private key anywhere in it; key, sig,
// auth, pwd, pass or sid as one of its parts (split at _ - . and case
// changes). Over-redacting a harmless value is the safe mistake.
func IsSecretName(name string) bool {
	l := strings.ToLower(name)
	// strings.Map rather than a Replacer, which would be built anew on
	// every call (it is called for every query value a URL has).
	flat := strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == '.' {
			return -1
		}
		return r
	}, l)
	for _, w := range secretWords {
		if strings.Contains(flat, w) {
			return true
		}
	}
	for _, p := range nameParts(name) {
		if secretParts[p] {
			return true
		}
	}
	return false
}

// nameParts splits a name at separators and lower-to-upper case changes:
// "X-Amz-Signature" -> x amz signature, "sessionKey" -> session key.
func nameParts(name string) []string {
	var parts []string
	var cur []rune
	prevLower := false
	flush := func() {
		if len(cur) > 0 {
			parts = append(parts, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range name {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		cur = append(cur, r)
		prevLower = unicode.IsLower(r)
	}
	flush()
	return parts
}

// RedactURL hides a URL's userinfo and the values of query parameters
// whose names look like credentials. A URL with nothing to hide comes back
// unchanged, byte for byte.
func RedactURL(s string) string { return RedactText(s) }

var (
	// scheme://userinfo@ : the userinfo goes, user name included (a token
	// is often the user name, as in https://TOKEN@host/).
	userinfoRE = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.\-]*://)([^/?#\s"'<>@]+)@`)
	// name=value in a query string or a form: ?a=1&b=2 (also after ;).
	queryParamRE = regexp.MustCompile(`([?&;])([^=&;#\s"'<>?]+)=([^&;#\s"'<>]*)`)
	// An Authorization header's scheme and credentials quoted in text.
	authSchemeRE = regexp.MustCompile(`(?i)\b(bearer|basic|digest|token)\s+[A-Za-z0-9._~+/=\-]{8,}`)
)

// RedactText hides the secrets of every URL inside free text, such as an
// error message (`Get "http://u:pw@h/?api_key=K": dial tcp ...`), a
// warning or a recorded argument: userinfo, credential-looking query
// values, and "Bearer <token>"-style credentials. Text without any comes
// back unchanged.
func RedactText(s string) string {
	if !strings.ContainsAny(s, "@=") && !strings.Contains(strings.ToLower(s), "bearer") &&
		!strings.Contains(strings.ToLower(s), "basic") && !strings.Contains(strings.ToLower(s), "digest") &&
		!strings.Contains(strings.ToLower(s), "token") {
		return s
	}
	s = userinfoRE.ReplaceAllString(s, "${1}"+Redacted+"@")
	s = queryParamRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := queryParamRE.FindStringSubmatch(m)
		name := sub[2]
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if !IsSecretName(name) || sub[3] == Redacted {
			return m
		}
		// Punctuation that ends the value ends the sentence around the
		// URL in a message ("...?token=x: EOF"): keep it.
		value := sub[3]
		tail := value[len(strings.TrimRight(value, ":,.;)]}")):]
		return sub[1] + sub[2] + "=" + Redacted + tail
	})
	return authSchemeRE.ReplaceAllString(s, "${1} "+Redacted)
}

// minMasked is the shortest value a Redactor masks: shorter ones cannot be
// told from ordinary text (masking "80" would mask every 80 in a report).
const minMasked = 6

// Redactor is the redactor of one run: the rules above, plus values the
// run knows to be secret wherever they appear (values substituted into a
// load profile from the environment). The zero value and nil apply the
// rules alone. It is safe for concurrent use once built.
type Redactor struct {
	values []string // each value and its URL-escaped forms, longest first
}

// NewRedactor returns a redactor that also masks values.
func NewRedactor(values ...string) *Redactor {
	r := &Redactor{}
	r.Add(values...)
	return r
}

// Add masks more values (before the redactor is shared).
func (r *Redactor) Add(values ...string) {
	for _, v := range values {
		if len(v) < minMasked {
			continue
		}
		for _, f := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
			if !slices.Contains(r.values, f) {
				r.values = append(r.values, f)
			}
		}
	}
	slices.SortFunc(r.values, func(a, b string) int { return len(b) - len(a) })
}

// Text hides secrets in free text (see RedactText) and the known values.
func (r *Redactor) Text(s string) string {
	s = RedactText(s)
	if r == nil {
		return s
	}
	for _, v := range r.values {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Redacted)
		}
	}
	return s
}

// Header is Redact(h), with known values masked in the other headers.
func (r *Redactor) Header(h http.Header) http.Header {
	out := Redact(h)
	for k, vs := range out {
		for i, v := range vs {
			out[k][i] = r.Text(v)
		}
	}
	return out
}
