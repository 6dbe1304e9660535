// Package s3err is the one table of S3 error codes: each code's message and HTTP status,
// as AWS S3 answers them. Every S3 error Cairn returns is built from this table.
package s3err

import (
	"errors"
	"fmt"
	"net/http"
)

// Code names an S3 error, exactly as it appears in the <Code> element.
type Code string

// APIError is one row of the table: a code, its default message and its HTTP status.
type APIError struct {
	Code    Code
	Message string
	Status  int
}

// Error is an S3 error as returned to a client: a row of the table, optionally with a
// more specific message and the bucket, key or other detail AWS adds to the XML body.
type Error struct {
	APIError
	BucketName string
	Key        string
	// Extra holds further elements of the error body, e.g. MaxAllowedSize or ArgumentName.
	Extra map[string]string
}

// Error returns "Code: Message".
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// New returns the Error for code with the table's message and status. An unknown code
// becomes InternalError, so a typo can never produce a malformed response.
func New(code Code) *Error {
	api, ok := table[code]
	if !ok {
		api = table[InternalError]
	}
	return &Error{APIError: api}
}

// Newf returns the Error for code with a message of its own.
func Newf(code Code, format string, args ...any) *Error {
	e := New(code)
	e.Message = fmt.Sprintf(format, args...)
	return e
}

// WithBucket returns a copy of e naming bucket.
func (e *Error) WithBucket(bucket string) *Error {
	c := *e
	c.BucketName = bucket
	return &c
}

// WithKey returns a copy of e naming key.
func (e *Error) WithKey(key string) *Error {
	c := *e
	c.Key = key
	return &c
}

// With returns a copy of e with one more element in its body.
func (e *Error) With(name, value string) *Error {
	c := *e
	c.Extra = make(map[string]string, len(e.Extra)+1)
	for k, v := range e.Extra {
		c.Extra[k] = v
	}
	c.Extra[name] = value
	return &c
}

// Is makes errors.Is(err, s3err.New(code)) match any Error with the same code.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Code == e.Code
	}
	return false
}

// As returns the S3 error inside err, if there is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// HasCode reports whether err is an S3 error with the given code.
func HasCode(err error, code Code) bool {
	e, ok := As(err)
	return ok && e.Code == code
}

// QuotaExceeded is not AWS's (S3 has no bucket quotas): Cairn answers it, as Ceph's
// RGW does, with 403, when a write would take a bucket past its quota
// (docs/quotas.md).
const QuotaExceeded Code = "QuotaExceeded"

// Codes used by Cairn. Append freely; the strings are AWS's.
const (
	AccessDenied                        Code = "AccessDenied"
	AccountProblem                      Code = "AccountProblem"
	AuthorizationHeaderMalformed        Code = "AuthorizationHeaderMalformed"
	AuthorizationQueryParametersError   Code = "AuthorizationQueryParametersError"
	BadDigest                           Code = "BadDigest"
	BucketAlreadyExists                 Code = "BucketAlreadyExists"
	BucketAlreadyOwnedByYou             Code = "BucketAlreadyOwnedByYou"
	BucketNotEmpty                      Code = "BucketNotEmpty"
	EntityTooLarge                      Code = "EntityTooLarge"
	EntityTooSmall                      Code = "EntityTooSmall"
	ExpiredToken                        Code = "ExpiredToken"
	BadRequest                          Code = "BadRequest"
	AccessForbidden                     Code = "AccessForbidden"
	NoSuchCORSConfiguration             Code = "NoSuchCORSConfiguration"
	IllegalLocationConstraintException  Code = "IllegalLocationConstraintException"
	IncompleteBody                      Code = "IncompleteBody"
	InternalError                       Code = "InternalError"
	InvalidAccessKeyID                  Code = "InvalidAccessKeyId"
	InvalidArgument                     Code = "InvalidArgument"
	InvalidBucketName                   Code = "InvalidBucketName"
	InvalidBucketState                  Code = "InvalidBucketState"
	InvalidDigest                       Code = "InvalidDigest"
	InvalidEncryptionAlgorithmError     Code = "InvalidEncryptionAlgorithmError"
	InvalidLocationConstraint           Code = "InvalidLocationConstraint"
	InvalidObjectState                  Code = "InvalidObjectState"
	InvalidPart                         Code = "InvalidPart"
	InvalidPartOrder                    Code = "InvalidPartOrder"
	InvalidPolicyDocument               Code = "InvalidPolicyDocument"
	InvalidRange                        Code = "InvalidRange"
	InvalidRequest                      Code = "InvalidRequest"
	InvalidRetentionPeriod              Code = "InvalidRetentionPeriod"
	InvalidStorageClass                 Code = "InvalidStorageClass"
	InvalidTag                          Code = "InvalidTag"
	KeyTooLongError                     Code = "KeyTooLongError"
	MalformedPOSTRequest                Code = "MalformedPOSTRequest"
	MalformedXML                        Code = "MalformedXML"
	MaxMessageLengthExceeded            Code = "MaxMessageLengthExceeded"
	MetadataTooLarge                    Code = "MetadataTooLarge"
	MethodNotAllowed                    Code = "MethodNotAllowed"
	MissingContentLength                Code = "MissingContentLength"
	MissingRequestBodyError             Code = "MissingRequestBodyError"
	MissingSecurityHeader               Code = "MissingSecurityHeader"
	ConditionalRequestConflict          Code = "ConditionalRequestConflict"
	NoSuchBucket                        Code = "NoSuchBucket"
	NoSuchBucketPolicy                  Code = "NoSuchBucketPolicy"
	NoSuchObjectLockConfiguration       Code = "NoSuchObjectLockConfiguration"
	ObjectLockConfigurationNotFound     Code = "ObjectLockConfigurationNotFoundError"
	NoSuchKey                           Code = "NoSuchKey"
	NoSuchUpload                        Code = "NoSuchUpload"
	NoSuchVersion                       Code = "NoSuchVersion"
	NotImplemented                      Code = "NotImplemented"
	NotModified                         Code = "NotModified"
	PreconditionFailed                  Code = "PreconditionFailed"
	RequestTimeTooSkewed                Code = "RequestTimeTooSkewed"
	RequestTimeout                      Code = "RequestTimeout"
	ServiceUnavailable                  Code = "ServiceUnavailable"
	SignatureDoesNotMatch               Code = "SignatureDoesNotMatch"
	SlowDown                            Code = "SlowDown"
	TooManyBuckets                      Code = "TooManyBuckets"
	UnexpectedContent                   Code = "UnexpectedContent"
	UnsupportedSignature                Code = "UnsupportedSignature"
	XAmzContentSHA256Mismatch           Code = "XAmzContentSHA256Mismatch"
	InvalidChunkSizeError               Code = "InvalidChunkSizeError"
	MissingFields                       Code = "MissingFields"
	MalformedDate                       Code = "MalformedDate"
	InvalidSecurity                     Code = "InvalidSecurity"
	MalformedTrailerError               Code = "MalformedTrailerError"
	InvalidCopySource                   Code = "InvalidCopySource"
	NoSuchUploadPart                    Code = "NoSuchPart"
	RequestHeaderSectionTooLarge        Code = "RequestHeaderSectionTooLarge"
	IncorrectNumberOfFilesInPostRequest Code = "IncorrectNumberOfFilesInPostRequest"
	InvalidURI                          Code = "InvalidURI"
	InvalidPartNumber                   Code = "InvalidPartNumber"
	MalformedPolicy                     Code = "MalformedPolicy"
	NoSuchTagSet                        Code = "NoSuchTagSet"
	NoSuchLifecycleConfiguration        Code = "NoSuchLifecycleConfiguration"
	ReplicationConfigurationNotFound    Code = "ReplicationConfigurationNotFoundError"
	NoSuchEncryptionConfiguration       Code = "ServerSideEncryptionConfigurationNotFoundError"
)

var table = map[Code]APIError{
	AccessDenied:                        {AccessDenied, "Access Denied", http.StatusForbidden},
	AccountProblem:                      {AccountProblem, "There is a problem with your account that prevents the operation from completing successfully.", http.StatusForbidden},
	AuthorizationHeaderMalformed:        {AuthorizationHeaderMalformed, "The authorization header is malformed.", http.StatusBadRequest},
	AuthorizationQueryParametersError:   {AuthorizationQueryParametersError, "Error parsing the X-Amz-Credential parameter.", http.StatusBadRequest},
	BadDigest:                           {BadDigest, "The Content-MD5 you specified did not match what we received.", http.StatusBadRequest},
	BucketAlreadyExists:                 {BucketAlreadyExists, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.", http.StatusConflict},
	BucketAlreadyOwnedByYou:             {BucketAlreadyOwnedByYou, "Your previous request to create the named bucket succeeded and you already own it.", http.StatusConflict},
	BucketNotEmpty:                      {BucketNotEmpty, "The bucket you tried to delete is not empty", http.StatusConflict},
	EntityTooLarge:                      {EntityTooLarge, "Your proposed upload exceeds the maximum allowed object size.", http.StatusBadRequest},
	EntityTooSmall:                      {EntityTooSmall, "Your proposed upload is smaller than the minimum allowed object size.", http.StatusBadRequest},
	ExpiredToken:                        {ExpiredToken, "The provided token has expired.", http.StatusBadRequest},
	IllegalLocationConstraintException:  {IllegalLocationConstraintException, "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.", http.StatusBadRequest},
	IncompleteBody:                      {IncompleteBody, "You did not provide the number of bytes specified by the Content-Length HTTP header.", http.StatusBadRequest},
	InternalError:                       {InternalError, "We encountered an internal error. Please try again.", http.StatusInternalServerError},
	InvalidAccessKeyID:                  {InvalidAccessKeyID, "The AWS Access Key Id you provided does not exist in our records.", http.StatusForbidden},
	InvalidArgument:                     {InvalidArgument, "Invalid Argument", http.StatusBadRequest},
	InvalidBucketName:                   {InvalidBucketName, "The specified bucket is not valid.", http.StatusBadRequest},
	InvalidBucketState:                  {InvalidBucketState, "The request is not valid with the current state of the bucket.", http.StatusConflict},
	InvalidDigest:                       {InvalidDigest, "The Content-MD5 you specified is not valid.", http.StatusBadRequest},
	InvalidEncryptionAlgorithmError:     {InvalidEncryptionAlgorithmError, "The encryption request you specified is not valid.", http.StatusBadRequest},
	InvalidLocationConstraint:           {InvalidLocationConstraint, "The specified location-constraint is not valid", http.StatusBadRequest},
	InvalidObjectState:                  {InvalidObjectState, "The operation is not valid for the current state of the object.", http.StatusForbidden},
	InvalidPart:                         {InvalidPart, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", http.StatusBadRequest},
	InvalidPartOrder:                    {InvalidPartOrder, "The list of parts was not in ascending order. Parts must be ordered by part number.", http.StatusBadRequest},
	InvalidPolicyDocument:               {InvalidPolicyDocument, "The content of the form does not meet the conditions specified in the policy document.", http.StatusBadRequest},
	InvalidRange:                        {InvalidRange, "The requested range is not satisfiable", http.StatusRequestedRangeNotSatisfiable},
	InvalidRequest:                      {InvalidRequest, "Invalid Request", http.StatusBadRequest},
	InvalidRetentionPeriod:              {InvalidRetentionPeriod, "Default retention period must be a positive integer value.", http.StatusBadRequest},
	NoSuchObjectLockConfiguration:       {NoSuchObjectLockConfiguration, "The specified object does not have a ObjectLock configuration", http.StatusNotFound},
	ObjectLockConfigurationNotFound:     {ObjectLockConfigurationNotFound, "Object Lock configuration does not exist for this bucket", http.StatusNotFound},
	InvalidStorageClass:                 {InvalidStorageClass, "The storage class you specified is not valid", http.StatusBadRequest},
	InvalidTag:                          {InvalidTag, "The tag provided was not a valid tag.", http.StatusBadRequest},
	BadRequest:                          {BadRequest, "Bad Request", http.StatusBadRequest},
	KeyTooLongError:                     {KeyTooLongError, "Your key is too long", http.StatusBadRequest},
	MalformedPOSTRequest:                {MalformedPOSTRequest, "The body of your POST request is not well-formed multipart/form-data.", http.StatusBadRequest},
	MalformedXML:                        {MalformedXML, "The XML you provided was not well-formed or did not validate against our published schema.", http.StatusBadRequest},
	MaxMessageLengthExceeded:            {MaxMessageLengthExceeded, "Your request was too big.", http.StatusBadRequest},
	MetadataTooLarge:                    {MetadataTooLarge, "Your metadata headers exceed the maximum allowed metadata size.", http.StatusBadRequest},
	MethodNotAllowed:                    {MethodNotAllowed, "The specified method is not allowed against this resource.", http.StatusMethodNotAllowed},
	MissingContentLength:                {MissingContentLength, "You must provide the Content-Length HTTP header.", http.StatusLengthRequired},
	MissingRequestBodyError:             {MissingRequestBodyError, "Request Body is empty", http.StatusBadRequest},
	MissingSecurityHeader:               {MissingSecurityHeader, "Your request was missing a required header", http.StatusBadRequest},
	NoSuchBucket:                        {NoSuchBucket, "The specified bucket does not exist", http.StatusNotFound},
	NoSuchBucketPolicy:                  {NoSuchBucketPolicy, "The bucket policy does not exist", http.StatusNotFound},
	NoSuchKey:                           {NoSuchKey, "The specified key does not exist.", http.StatusNotFound},
	ConditionalRequestConflict:          {ConditionalRequestConflict, "A conflicting operation occurred. If using PutObject you can retry the request. If using multipart upload you should initiate another CreateMultipartUpload request and re-upload each part.", http.StatusConflict},
	NoSuchUpload:                        {NoSuchUpload, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", http.StatusNotFound},
	NoSuchVersion:                       {NoSuchVersion, "The specified version does not exist.", http.StatusNotFound},
	NotImplemented:                      {NotImplemented, "A header or query you provided requested a function that is not implemented.", http.StatusNotImplemented},
	NotModified:                         {NotModified, "Not Modified", http.StatusNotModified},
	QuotaExceeded:                       {QuotaExceeded, "The bucket's quota does not allow this write.", http.StatusForbidden},
	PreconditionFailed:                  {PreconditionFailed, "At least one of the pre-conditions you specified did not hold", http.StatusPreconditionFailed},
	RequestTimeTooSkewed:                {RequestTimeTooSkewed, "The difference between the request time and the server's time is too large.", http.StatusForbidden},
	RequestTimeout:                      {RequestTimeout, "Your socket connection to the server was not read from or written to within the timeout period.", http.StatusBadRequest},
	ServiceUnavailable:                  {ServiceUnavailable, "Service is unable to handle request.", http.StatusServiceUnavailable},
	SignatureDoesNotMatch:               {SignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided. Check your key and signing method.", http.StatusForbidden},
	SlowDown:                            {SlowDown, "Please reduce your request rate.", http.StatusServiceUnavailable},
	TooManyBuckets:                      {TooManyBuckets, "You have attempted to create more buckets than allowed", http.StatusBadRequest},
	UnexpectedContent:                   {UnexpectedContent, "This request does not support content", http.StatusBadRequest},
	UnsupportedSignature:                {UnsupportedSignature, "The provided request is signed with an unsupported STS Token version or the signature version is not supported.", http.StatusBadRequest},
	XAmzContentSHA256Mismatch:           {XAmzContentSHA256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.", http.StatusBadRequest},
	InvalidChunkSizeError:               {InvalidChunkSizeError, "Only the last chunk is allowed to have a size less than 8192 bytes", http.StatusBadRequest},
	MissingFields:                       {MissingFields, "Missing fields in request.", http.StatusBadRequest},
	MalformedDate:                       {MalformedDate, "Invalid date format header, expected to be in ISO8601, RFC1123 or RFC1123Z time format.", http.StatusBadRequest},
	InvalidSecurity:                     {InvalidSecurity, "The provided security credentials are not valid.", http.StatusForbidden},
	MalformedTrailerError:               {MalformedTrailerError, "The request contained trailing data that was not well-formed or did not conform to our published schema.", http.StatusBadRequest},
	InvalidCopySource:                   {InvalidCopySource, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey.", http.StatusBadRequest},
	NoSuchUploadPart:                    {NoSuchUploadPart, "The specified part does not exist.", http.StatusBadRequest},
	RequestHeaderSectionTooLarge:        {RequestHeaderSectionTooLarge, "Your request header section exceeds the maximum allowed size.", http.StatusBadRequest},
	IncorrectNumberOfFilesInPostRequest: {IncorrectNumberOfFilesInPostRequest, "POST requires exactly one file upload per request.", http.StatusBadRequest},
	InvalidURI:                          {InvalidURI, "Couldn't parse the specified URI.", http.StatusBadRequest},
	InvalidPartNumber:                   {InvalidPartNumber, "The requested partnumber is not satisfiable", http.StatusRequestedRangeNotSatisfiable},
	MalformedPolicy:                     {MalformedPolicy, "Policies must be valid JSON and the first byte must be '{'", http.StatusBadRequest},
	NoSuchTagSet:                        {NoSuchTagSet, "The TagSet does not exist", http.StatusNotFound},
	AccessForbidden:                     {AccessForbidden, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.", http.StatusForbidden},
	NoSuchCORSConfiguration:             {NoSuchCORSConfiguration, "The CORS configuration does not exist", http.StatusNotFound},
	NoSuchLifecycleConfiguration:        {NoSuchLifecycleConfiguration, "The lifecycle configuration does not exist", http.StatusNotFound},
	ReplicationConfigurationNotFound:    {ReplicationConfigurationNotFound, "The replication configuration was not found", http.StatusNotFound},
	NoSuchEncryptionConfiguration:       {NoSuchEncryptionConfiguration, "The server side encryption configuration was not found", http.StatusNotFound},
}
