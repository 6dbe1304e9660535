package s3api

// ValidBucketName reports whether name follows S3's naming rules for general purpose
// buckets, exactly as CreateBucket checks them, for other surfaces that create
// buckets (the management API).
func ValidBucketName(name string) bool { return validBucketName(name) }
