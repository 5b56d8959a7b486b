package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// S3Config names an S3-compatible bucket (AWS S3, MinIO, versitygw, Ceph…).
type S3Config struct {
	// Endpoint is the service's base URL; empty means AWS's for Region.
	Endpoint  string
	Region    string
	Bucket    string
	AccessKey string
	SecretKey string
	// PathStyle addresses the bucket in the path rather than the host name,
	// as most self-hosted servers need.
	PathStyle bool
	// HTTPClient, when set, carries the requests (tests use it).
	HTTPClient *http.Client
}

// S3Store keeps objects in one bucket under the prefix "files/".
type S3Store struct {
	client *s3.Client
	bucket string
}

// NewS3Store returns an S3Store for c; it does not contact the service.
func NewS3Store(c S3Config) (*S3Store, error) {
	if c.Bucket == "" {
		return nil, errors.New("S3 file store: bucket is required")
	}
	region := c.Region
	if region == "" {
		region = "us-east-1"
	}
	opts := s3.Options{
		Region:       region,
		UsePathStyle: c.PathStyle,
		Credentials:  credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, ""),
		// Only when the operation requires one: self-hosted servers differ
		// in which of the newer checksum headers they accept.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if c.Endpoint != "" {
		opts.BaseEndpoint = aws.String(c.Endpoint)
	}
	if c.HTTPClient != nil {
		opts.HTTPClient = c.HTTPClient
	}
	return &S3Store{client: s3.New(opts), bucket: c.Bucket}, nil
}

func objectName(key string) string { return "files/" + key }

// Put uploads r with If-None-Match: *, so the service itself refuses to
// replace an object; the answer comes once the object is stored.
func (s *S3Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if !ValidKey(key) {
		return ErrBadKey
	}
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.bucket), Key: aws.String(objectName(key)), Body: r,
		ContentLength: aws.Int64(size), ContentType: aws.String(contentType), IfNoneMatch: aws.String("*"),
	})
	if code := errorCode(err); code == "PreconditionFailed" || code == "ConditionalRequestConflict" {
		return ErrExists
	}
	if err != nil {
		return fmt.Errorf("S3 put %s: %w", key, err)
	}
	return nil
}

// Get opens the object's body.
func (s *S3Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if !ValidKey(key) {
		return nil, ErrNotFound
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(objectName(key))})
	if code := errorCode(err); code == "NoSuchKey" || code == "NotFound" {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("S3 get %s: %w", key, err)
	}
	return out.Body, nil
}

// Delete removes the object; S3 answers a missing key with success too.
func (s *S3Store) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return nil
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(objectName(key))})
	if code := errorCode(err); code == "NoSuchKey" || code == "NotFound" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("S3 delete %s: %w", key, err)
	}
	return nil
}

// Ping checks that the bucket is reachable (readiness).
func (s *S3Store) Ping(ctx context.Context) error {
	_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)})
	return err
}

// CreateBucket makes the bucket if it does not exist (tests, first start).
func (s *S3Store) CreateBucket(ctx context.Context) error {
	_, err := s.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.bucket)})
	if code := errorCode(err); code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
		return nil
	}
	return err
}

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}
