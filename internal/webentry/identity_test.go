package webentry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/webentry"
)

func TestVisitorSignature(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	ts := now.Unix()
	// The README's shell example computes the same value with openssl.
	sig := webentry.SignVisitor("demo-app-secret", 1, "member-42", ts)
	// printf '%s\n%s\n%s' 1 member-42 1800000000 | openssl dgst -sha256 -hmac demo-app-secret
	require.Equal(t, "af79a848708325caff424ac3cf9b221211816ffcf39558197d44c808eec3b5a1", sig)
	require.NoError(t, webentry.VerifyVisitor("demo-app-secret", 1, "member-42", ts, sig, now))
	require.NoError(t, webentry.VerifyVisitor("demo-app-secret", 1, "member-42", ts, sig, now.Add(webentry.SignatureMaxAge)))
	require.ErrorIs(t, webentry.VerifyVisitor("demo-app-secret", 1, "member-42", ts, sig, now.Add(webentry.SignatureMaxAge+time.Second)),
		webentry.ErrStaleSignature)
	require.ErrorIs(t, webentry.VerifyVisitor("demo-app-secret", 1, "member-42", ts, sig, now.Add(-2*time.Minute)),
		webentry.ErrStaleSignature, "a timestamp well ahead of ccflow's clock")
	require.ErrorIs(t, webentry.VerifyVisitor("other", 1, "member-42", ts, sig, now), webentry.ErrBadSignature)
	require.ErrorIs(t, webentry.VerifyVisitor("", 1, "member-42", ts, webentry.SignVisitor("", 1, "member-42", ts), now),
		webentry.ErrBadSignature, "no secret signs nothing")
	// The fields are separated: moving a digit across them changes the signature.
	require.NotEqual(t, webentry.SignVisitor("k", 1, "2\n3", 4), webentry.SignVisitor("k", 12, "3", 4))
}

func TestUnsignedVisitorIDs(t *testing.T) {
	a := webentry.UnsignedVisitorID("browser-a", "member-42")
	require.True(t, strings.HasPrefix(a, webentry.AnonIDPrefix))
	require.Len(t, a, len(webentry.AnonIDPrefix)+32)
	require.Equal(t, a, webentry.UnsignedVisitorID("browser-a", "member-42"), "stable per browser and claim")
	require.NotEqual(t, a, webentry.UnsignedVisitorID("browser-b", "member-42"), "another browser is another visitor")
	require.NotEqual(t, a, webentry.UnsignedVisitorID("browser-a", "member-43"))
	require.NotContains(t, a, "browser-a")
}
