package leavemsg

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"
)

// FreshnessWindow is how far a request's timestamp may be from the server's
// clock, in either direction. Spec 002 leaves the signature scheme open; five
// minutes absorbs ordinary clock drift and retries while keeping the replay
// table small.
const FreshnessWindow = 5 * time.Minute

// maxClockSkew is how far replicas' clocks may disagree. A used signature is
// kept this much past its freshness window, so a replica whose clock runs
// behind cannot accept a replay after another one has already deleted the row.
const maxClockSkew = time.Minute

// SignatureHexLen is the length of a signature: hex of a 32-byte HMAC-SHA256.
const SignatureHexLen = 2 * sha256.Size

// ErrTimestamp is a timestamp that is not milliseconds since the epoch.
var ErrTimestamp = errors.New("timestamp must be milliseconds since the epoch, such as 1407812629434")

// Sign returns the request signature of spec 002's leave-message API as ccflow
// defines it: lower-case hex of HMAC-SHA256, keyed with the app secret, over
// appid, "\n", timestamp, "\n" and the raw request body, byte for byte.
func Sign(secret, appID, timestamp string, body []byte) string {
	return hex.EncodeToString(mac(secret, appID, timestamp, body))
}

func mac(secret, appID, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(appID + "\n" + timestamp + "\n"))
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks signature in constant time. On success it returns the
// signature in canonical form (lower-case hex), which is the replay nonce: hex
// is accepted in either case, and a replay must not pass by changing the case.
func Verify(secret, appID, timestamp string, body []byte, signature string) (string, bool) {
	given, err := hex.DecodeString(signature)
	if err != nil || len(given) != sha256.Size {
		return "", false
	}
	want := mac(secret, appID, timestamp, body)
	if !hmac.Equal(want, given) {
		return "", false
	}
	return hex.EncodeToString(want), true
}

// WellFormedSignature reports whether s could be a signature at all, so that
// garbage is refused before any database look-up.
func WellFormedSignature(s string) bool {
	if len(s) != SignatureHexLen {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// ParseTimestamp reads milliseconds since the epoch (spec 002's example:
// 1407812629434). Only plain decimal digits are accepted: a sign, spaces or a
// leading zero can only come from a client bug, and saying so beats a
// puzzling signature mismatch later.
func ParseTimestamp(s string) (time.Time, error) {
	if s == "" || len(s) > 15 || (len(s) > 1 && s[0] == '0') {
		return time.Time{}, ErrTimestamp
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return time.Time{}, ErrTimestamp
		}
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, ErrTimestamp
	}
	return time.UnixMilli(ms).UTC(), nil
}

// Fresh reports whether ts is within FreshnessWindow of now, either way.
func Fresh(ts, now time.Time) bool {
	d := now.Sub(ts)
	return d <= FreshnessWindow && d >= -FreshnessWindow
}

// NonceExpiry is when a signature used with timestamp ts may be forgotten: no
// replica accepts that timestamp any more by then.
func NonceExpiry(ts time.Time) time.Time {
	return ts.Add(FreshnessWindow + maxClockSkew).UTC().Truncate(time.Millisecond)
}
