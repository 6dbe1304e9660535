package meta

import (
	"context"
	"fmt"
)

// CmdBucketEncryptionSet sets or removes a bucket's default encryption. 22–24 are
// taken by other bucket settings being added at the same time.
const CmdBucketEncryptionSet CommandType = 25

// EncryptionAES256 is S3's name for server-side encryption with keys the store
// manages (SSE-S3), the only default encryption Cairn implements.
const EncryptionAES256 = "AES256"

// BucketEncryption is a bucket's default encryption (S3's
// PutBucketEncryption): objects written to the bucket without an encryption header
// are encrypted with Algorithm. The zero value means none is configured.
type BucketEncryption struct {
	// Algorithm is EncryptionAES256, or "" for none.
	Algorithm string `json:"algorithm,omitempty"`
	// BucketKeyEnabled is kept and returned as the client set it; it changes nothing
	// for SSE-S3 (in S3 it applies to SSE-KMS).
	BucketKeyEnabled bool `json:"bucketKeyEnabled,omitempty"`
}

// BucketEncryptionSet sets a bucket's default encryption; the zero Encryption removes
// it. Apply refuses a bucket that does not exist (ErrNoSuchBucket) and an algorithm
// other than EncryptionAES256 (ErrInvalid). Idempotent.
type BucketEncryptionSet struct {
	Bucket     string           `json:"bucket"`
	Encryption BucketEncryption `json:"encryption,omitzero"`
}

func (BucketEncryptionSet) commandType() CommandType { return CmdBucketEncryptionSet }

func (f *fsm) applyBucketEncryptionSet(c *BucketEncryptionSet) error {
	if err := checkBucketEncryption(c.Encryption); err != nil {
		return err
	}
	b, ok := f.st.Buckets[c.Bucket]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchBucket, c.Bucket)
	}
	b.Encryption = c.Encryption
	f.st.Buckets[c.Bucket] = b
	return nil
}

// checkBucketEncryption accepts no configuration or SSE-S3.
func checkBucketEncryption(e BucketEncryption) error {
	if e.Algorithm != "" && e.Algorithm != EncryptionAES256 || e.Algorithm == "" && e.BucketKeyEnabled {
		return invalidf("default encryption algorithm %q", e.Algorithm)
	}
	return nil
}

// PutBucketEncryption sets a bucket's default encryption (Algorithm
// EncryptionAES256; ErrInvalid otherwise); ErrNoSuchBucket if it does not exist.
func (m *Meta) PutBucketEncryption(ctx context.Context, bucket string, e BucketEncryption) error {
	if e.Algorithm == "" {
		return invalidf("default encryption algorithm is missing")
	}
	if err := checkBucketEncryption(e); err != nil {
		return err
	}
	return m.applySetting(ctx, BucketEncryptionSet{Bucket: bucket, Encryption: e})
}

// DeleteBucketEncryption removes a bucket's default encryption; a no-op if it has
// none, as in S3. ErrNoSuchBucket if the bucket does not exist. Objects already
// written stay encrypted.
func (m *Meta) DeleteBucketEncryption(ctx context.Context, bucket string) error {
	return m.applySetting(ctx, BucketEncryptionSet{Bucket: bucket})
}
