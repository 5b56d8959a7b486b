package clicktocall

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // the TURN REST credential scheme is HMAC-SHA1 (coturn's use-auth-secret).
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// ICEServer is one entry of RTCPeerConnection's iceServers.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ICEConfig is where the browsers of a call find STUN and TURN: the
// embedded TURN server, or an external one sharing Secret (coturn's
// static-auth-secret), with credentials per call that expire after TTL.
type ICEConfig struct {
	// TURNURLs are the TURN server's URLs (turn:host:port?transport=udp).
	TURNURLs []string
	// STUNURLs are STUN servers with no credentials.
	STUNURLs []string
	// Secret signs the TURN credentials; empty hands out none.
	Secret string
	// TTL is how long a call's credentials last (zero: an hour).
	TTL time.Duration
	// RelayOnly makes the browsers use TURN relays only (iceTransportPolicy
	// "relay"): media never goes peer to peer, and never leaves the path
	// through the TURN server (the tests keep it on 127.0.0.1 this way).
	RelayOnly bool
}

// Policy is RTCPeerConnection's iceTransportPolicy for the calls.
func (c ICEConfig) Policy() string {
	if c.RelayOnly {
		return "relay"
	}
	return "all"
}

// defaultCredentialTTL outlives any ordinary call's set-up and ICE restarts.
const defaultCredentialTTL = time.Hour

// Servers returns a call's ICE servers with fresh credentials.
func (c ICEConfig) Servers(callID string, now time.Time) []ICEServer {
	var out []ICEServer
	if len(c.STUNURLs) > 0 {
		out = append(out, ICEServer{URLs: c.STUNURLs})
	}
	if len(c.TURNURLs) > 0 && c.Secret != "" {
		ttl := c.TTL
		if ttl <= 0 {
			ttl = defaultCredentialTTL
		}
		user := TURNUsername(now.Add(ttl), callID)
		out = append(out, ICEServer{URLs: c.TURNURLs, Username: user, Credential: TURNPassword(c.Secret, user)})
	}
	return out
}

// TURNUsername is the TURN REST scheme's "expiry:callID".
func TURNUsername(expires time.Time, callID string) string {
	return strconv.FormatInt(expires.Unix(), 10) + ":" + callID
}

// TURNPassword is base64(HMAC-SHA1(secret, username)).
func TURNPassword(secret, username string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// TURNExpired reports whether a TURN username's expiry has passed (or it
// is not one ccflow issued).
func TURNExpired(username string, now time.Time) bool {
	exp, _, ok := strings.Cut(username, ":")
	if !ok {
		return true
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	return err != nil || now.Unix() > n
}
