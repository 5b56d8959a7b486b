package files

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// A webhook's media message carries a link its receiver can GET with no
// other credential: the path names the endpoint and the file, and the query
// carries an expiry and an HMAC-SHA256 over method, path and expiry, keyed
// with a key derived from the endpoint's own secret. Rotating the secret,
// disabling or deleting the endpoint revokes its links; a link is good for
// one file, one method and until its expiry.
const (
	// LinkPrefix is the signed download route; the endpoint id and
	// "objectKey.type" follow it.
	LinkPrefix = "/apiaccess/ccmessaging/webhookFiles/"
	// LinkExpires and LinkSignature are the link's query parameters.
	LinkExpires   = "expires"
	LinkSignature = "signature"
)

// ErrLinkRefused is a signed link that is malformed, forged, tampered
// with, expired, or whose endpoint is gone or disabled: all look the
// same to the caller, who learns nothing about the file.
var ErrLinkRefused = errors.New("the link's signature is not valid or has expired")

// LinkPath is the signed route's path of a file for an endpoint.
func LinkPath(endpointID uint64, key, fileType string) string {
	return LinkPrefix + strconv.FormatUint(endpointID, 10) + "/" + key + "." + fileType
}

// linkKey derives the link key from an endpoint's secret, so that a link's
// MAC can never be taken for a webhook body's signature under the same secret.
func linkKey(secret string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("ccflow webhook file link v1"))
	return mac.Sum(nil)
}

// linkMAC is the hex HMAC of "METHOD\nPATH\nEXPIRES".
func linkMAC(secret, method, path string, expires int64) string {
	mac := hmac.New(sha256.New, linkKey(secret))
	fmt.Fprintf(mac, "%s\n%s\n%d", method, path, expires)
	return hex.EncodeToString(mac.Sum(nil))
}

// SignedLink is base + the file's path + ?expires=…&signature=… for a GET
// until expires.
func SignedLink(base, secret string, endpointID uint64, key, fileType string, expires time.Time) string {
	path := LinkPath(endpointID, key, fileType)
	q := url.Values{}
	q.Set(LinkExpires, strconv.FormatInt(expires.Unix(), 10))
	q.Set(LinkSignature, linkMAC(secret, http.MethodGet, path, expires.Unix()))
	return strings.TrimRight(base, "/") + path + "?" + q.Encode()
}

// VerifyLink checks a link's signature (in constant time) and then its
// expiry; any failure is ErrLinkRefused.
func VerifyLink(secret, method, path, expires, signature string, now time.Time) error {
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || secret == "" {
		return ErrLinkRefused
	}
	if !hmac.Equal([]byte(linkMAC(secret, method, path, exp)), []byte(strings.ToLower(signature))) {
		return ErrLinkRefused
	}
	if now.Unix() > exp {
		return ErrLinkRefused
	}
	return nil
}

// LinkRequest is a GET of a signed link: its path's endpoint id and file
// name ("objectKey.type"), and its query.
type LinkRequest struct {
	EndpointID string
	File       string
	Expires    string
	Signature  string
}

// Links serves the files webhooks link to.
type Links struct {
	DB    *gorm.DB
	Files *Service
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Open checks a signed link and answers its file. A refused link is
// ErrLinkRefused before the file is looked at; a valid link to a file that
// is no longer kept (retention, deletion) is ErrGone.
func (l *Links) Open(ctx context.Context, r LinkRequest) (models.StoredFile, []byte, error) {
	id, err := strconv.ParseUint(r.EndpointID, 10, 64)
	if err != nil {
		return models.StoredFile{}, nil, ErrLinkRefused
	}
	var ep models.WebhookEndpoint
	err = l.DB.WithContext(ctx).Where("id = ?", id).Take(&ep).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.StoredFile{}, nil, ErrLinkRefused
	}
	if err != nil {
		return models.StoredFile{}, nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	path := LinkPrefix + r.EndpointID + "/" + r.File
	if !ep.Enabled || VerifyLink(ep.Secret, http.MethodGet, path, r.Expires, r.Signature, now) != nil {
		return models.StoredFile{}, nil, ErrLinkRefused
	}
	dot := strings.LastIndexByte(r.File, '.')
	if dot < 0 {
		return models.StoredFile{}, nil, ErrLinkRefused
	}
	// The tenant's integration may read any of its files (Party.Type empty).
	f, data, err := l.Files.Open(ctx, Party{TenantID: ep.TenantID}, r.File[:dot], r.File[dot+1:])
	if errors.Is(err, ErrNoFile) || errors.Is(err, ErrTypeDiffers) {
		return f, nil, ErrGone
	}
	return f, data, err
}

// ErrGone is a validly signed link whose file is no longer kept.
var ErrGone = errors.New("the file is no longer kept")
