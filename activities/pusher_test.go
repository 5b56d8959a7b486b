package activities

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSignature(t *testing.T) {
	// As openssl computes it: printf 1700000000.{} | openssl dgst -sha256 -hmac secret
	require.Equal(t, "sha256=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163",
		Signature("secret", "1700000000", []byte("{}")))
}
