package http

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyCleartextCredentials is the finding type of the credentials
// detector.
const AnomalyCleartextCredentials = "cleartext_credentials"

// redacted replaces a secret unless the call sets reveal_secrets.
const redacted = "[redacted]"

// credential is a user name and secret sent in cleartext.
type credential struct {
	kind   string // basic, digest, form, query, bearer
	user   string // escaped
	secret string // escaped; never shown unless reveal_secrets
}

// cleartextCreds reports credentials sent without TLS: Basic and Digest
// Authorization, bearer tokens, and form or query fields named like
// passwords. It has no threshold: one is enough.
var cleartextCreds = analyzer.Detector[*event, *observer]{
	Type: AnomalyCleartextCredentials,
	New: func(analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &credsUnit{byKey: map[string]*credSeen{}}
	},
}

type credSeen struct {
	c      credential
	host   string
	server string
	client string
	ev     result.Evidence
}

type credsUnit struct {
	byKey map[string]*credSeen
	order []*credSeen
}

func (u *credsUnit) Observe(e *event) {
	t := e.t
	if t == nil || len(t.creds) == 0 {
		return
	}
	for _, c := range t.creds {
		key := c.kind + "\x00" + c.user + "\x00" + t.client.Addr().String() + "\x00" + t.server.String()
		s := u.byKey[key]
		if s == nil {
			if len(u.order) >= 1000 {
				continue
			}
			s = &credSeen{c: c, host: t.rec.Host, server: t.rec.Server, client: t.client.Addr().String()}
			u.byKey[key] = s
			u.order = append(u.order, s)
		}
		s.ev.Add(t.rec.RequestFrame)
	}
}

func (u *credsUnit) Conclude(o *observer, add func(result.Finding)) {
	for _, s := range u.order {
		secret := redacted
		if o.cfg.reveal {
			secret = s.c.secret
		}
		user := s.c.user
		if user == "" {
			user = "(none)"
		}
		add(result.NewFinding(AnomalyCleartextCredentials, result.High,
			fmt.Sprintf("%s credentials for user %q sent in cleartext from %s to %s (%s)", s.c.kind, user, s.client, s.server, s.host),
			s.ev, map[string]any{"kind": s.c.kind, "user": s.c.user, "secret": secret, "client": s.client, "server": s.server, "host": s.host, "requests": s.ev.Total()}))
	}
}

// findCredentials returns the credentials a request's header carries:
// its Authorization, and password fields of its query.
func findCredentials(m *h1Msg) []credential {
	var out []credential
	if c, ok := parseAuthorization(m.get("authorization")); ok {
		out = append(out, c)
	}
	if c, ok := parseAuthorization(m.get("proxy-authorization")); ok {
		out = append(out, c)
	}
	if _, q, ok := bytes.Cut(m.target, []byte{'?'}); ok {
		out = append(out, formCredentials(q, "query")...)
	}
	return out
}

// parseAuthorization reads Basic, Digest and Bearer credentials.
func parseAuthorization(v []byte) (credential, bool) {
	scheme, rest, _ := bytes.Cut(bytes.TrimSpace(v), []byte{' '})
	rest = bytes.TrimSpace(rest)
	switch {
	case equalFold(scheme, "basic"):
		dec, err := base64.StdEncoding.DecodeString(string(rest))
		if err != nil {
			return credential{kind: "basic", secret: result.TextBytes(rest, 0)}, true
		}
		user, pass, _ := bytes.Cut(dec, []byte{':'})
		return credential{kind: "basic", user: result.TextBytes(user, 0), secret: result.TextBytes(pass, 0)}, true
	case equalFold(scheme, "digest"):
		c := credential{kind: "digest"}
		for part := range strings.SplitSeq(string(rest), ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			val = strings.Trim(val, "\"")
			switch strings.ToLower(k) {
			case "username":
				c.user = result.Text(val, 0)
			case "response":
				c.secret = result.Text(val, 0)
			}
		}
		return c, true
	case equalFold(scheme, "bearer"):
		return credential{kind: "bearer", secret: result.TextBytes(rest, 0)}, true
	}
	return credential{}, false
}

// passwordNames are form field names (lower case) that hold secrets.
var passwordNames = []string{"pass", "pwd", "secret", "passwd", "password", "passphrase", "pin"}

// userNames are form field names (lower case) that hold a user name.
var userNames = []string{"user", "username", "login", "email", "uname", "usr", "userid", "user_name", "account", "name"}

// formCredentials finds password fields in a urlencoded form (a body or a
// query), with the user field beside them.
func formCredentials(form []byte, kind string) []credential {
	vals, err := url.ParseQuery(string(form))
	if err != nil && len(vals) == 0 {
		return nil
	}
	var user string
	for k, v := range vals {
		if len(v) > 0 && fieldLike(k, userNames) {
			user = v[0]
		}
	}
	var out []credential
	for k, v := range vals {
		if len(v) > 0 && v[0] != "" && fieldLike(k, passwordNames) {
			out = append(out, credential{kind: kind, user: result.Text(user, 0), secret: result.Text(v[0], 0)})
		}
	}
	return out
}

// fieldLike reports whether a field name is one of names, or contains a
// long one ("user_password", "login[pass]").
func fieldLike(k string, names []string) bool {
	k = strings.ToLower(k)
	for _, n := range names {
		if k == n || (len(n) >= 4 && strings.Contains(k, n)) {
			return true
		}
	}
	return false
}

// isSecretField reports whether a header field carries a secret.
func isSecretField(name []byte) bool {
	return equalFold(name, "authorization") || equalFold(name, "proxy-authorization") || equalFold(name, "cookie") || equalFold(name, "set-cookie")
}

// redactAuth keeps an Authorization's scheme and hides the rest.
func redactAuth(v []byte) []byte {
	scheme, _, ok := bytes.Cut(v, []byte{' '})
	if ok && len(scheme) < 16 {
		return append(append([]byte{}, scheme...), " "+redacted...)
	}
	return []byte(redacted)
}
