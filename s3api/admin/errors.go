package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// Code names an admin API error, as it appears in the "code" field of an error body.
type Code string

// The admin API's error codes. Authentication errors keep the S3 code the signature
// verifier gave (SignatureDoesNotMatch, InvalidAccessKeyId, RequestTimeTooSkewed,
// AuthorizationHeaderMalformed, ...) with its S3 status, since the request was signed
// exactly as for S3.
const (
	AccessDenied     Code = "AccessDenied"
	InvalidRequest   Code = "InvalidRequest"
	MalformedPolicy  Code = "MalformedPolicy"
	NoSuchEndpoint   Code = "NoSuchEndpoint"
	MethodNotAllowed Code = "MethodNotAllowed"
	EntityTooLarge   Code = "EntityTooLarge"
	NoSuchUser       Code = "NoSuchUser"
	NoSuchAccessKey  Code = "NoSuchAccessKey"
	NoSuchGroup      Code = "NoSuchGroup"
	NoSuchPolicy     Code = "NoSuchPolicy"
	NoSuchNode       Code = "NoSuchNode"
	NoSuchBucket     Code = "NoSuchBucket"
	// Site sync's codes.
	NoSuchConnection        Code = "NoSuchConnection"
	ConnectionAlreadyExists Code = "ConnectionAlreadyExists"
	ConnectionInUse         Code = "ConnectionInUse"
	NoSuchReplicationRule   Code = "NoSuchReplicationRule"
	ReplicationRuleExists   Code = "ReplicationRuleAlreadyExists"
	PolicyNotAttached       Code = "PolicyNotAttached"
	UserAlreadyExists       Code = "UserAlreadyExists"
	GroupAlreadyExists      Code = "GroupAlreadyExists"
	AccessKeyExists         Code = "AccessKeyExists"
	GroupNotEmpty           Code = "GroupNotEmpty"
	PolicyInUse             Code = "PolicyInUse"
	RootUserKey             Code = "RootUserKey"
	LayoutConflict          Code = "LayoutConflict"
	NotImplemented          Code = "NotImplemented"
	SlowDown                Code = "SlowDown"
	ServiceUnavailable      Code = "ServiceUnavailable"
	RequestTimeout          Code = "RequestTimeout"
	InternalError           Code = "InternalError"
)

// table gives each code its HTTP status and default message.
var table = map[Code]struct {
	status  int
	message string
}{
	AccessDenied:            {http.StatusForbidden, "Access Denied"},
	InvalidRequest:          {http.StatusBadRequest, "The request is not valid."},
	MalformedPolicy:         {http.StatusBadRequest, "The policy document is not valid."},
	NoSuchEndpoint:          {http.StatusNotFound, "The admin API has no such endpoint."},
	MethodNotAllowed:        {http.StatusMethodNotAllowed, "The method is not allowed on this endpoint."},
	EntityTooLarge:          {http.StatusRequestEntityTooLarge, "The request body is too large."},
	NoSuchUser:              {http.StatusNotFound, "The user does not exist."},
	NoSuchAccessKey:         {http.StatusNotFound, "The access key does not exist."},
	NoSuchGroup:             {http.StatusNotFound, "The group does not exist."},
	NoSuchPolicy:            {http.StatusNotFound, "The policy does not exist."},
	NoSuchNode:              {http.StatusNotFound, "The node does not exist."},
	NoSuchBucket:            {http.StatusNotFound, "The bucket does not exist."},
	NoSuchConnection:        {http.StatusNotFound, "The connection does not exist."},
	ConnectionAlreadyExists: {http.StatusConflict, "A connection with that name already exists."},
	ConnectionInUse:         {http.StatusConflict, "A replication rule uses the connection; delete the rule first."},
	NoSuchReplicationRule:   {http.StatusNotFound, "The bucket has no replication rule with that id."},
	ReplicationRuleExists:   {http.StatusConflict, "The bucket has a replication rule with that id already."},
	PolicyNotAttached:       {http.StatusNotFound, "The policy is not attached there."},
	UserAlreadyExists:       {http.StatusConflict, "A user with that name already exists."},
	GroupAlreadyExists:      {http.StatusConflict, "A group with that name already exists."},
	AccessKeyExists:         {http.StatusConflict, "The access key id is taken."},
	GroupNotEmpty:           {http.StatusConflict, "The group has members; remove them first."},
	PolicyInUse:             {http.StatusConflict, "The policy is attached to users or groups; detach it first."},
	RootUserKey:             {http.StatusBadRequest, "The root user's key is set by CAIRN_ROOT_ACCESS_KEY and CAIRN_ROOT_SECRET_KEY, not through the admin API."},
	LayoutConflict:          {http.StatusConflict, "The layout changed meanwhile; read it again and retry."},
	NotImplemented:          {http.StatusNotImplemented, "This node does not implement the operation yet."},
	SlowDown:                {http.StatusServiceUnavailable, "Please reduce your request rate."},
	ServiceUnavailable:      {http.StatusServiceUnavailable, "The cluster has no Raft leader right now; retry."},
	RequestTimeout:          {http.StatusRequestTimeout, "The request did not finish in time."},
	InternalError:           {http.StatusInternalServerError, "We encountered an internal error. Please try again."},
}

// Error is an admin API error: the body {"code", "message", "requestId"} and a status.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	// RequestID is filled in when the error is written.
	RequestID string `json:"requestId"`
	// Status is the HTTP status; not part of the body.
	Status int `json:"-"`
}

// Error returns "Code: Message".
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// newError returns the error of code with its default message.
func newError(code Code) *Error {
	row, ok := table[code]
	if !ok {
		code, row = InternalError, table[InternalError]
	}
	return &Error{Code: code, Message: row.message, Status: row.status}
}

// errorf returns the error of code with a message of its own.
func errorf(code Code, format string, args ...any) *Error {
	e := newError(code)
	e.Message = fmt.Sprintf(format, args...)
	return e
}

// metaErrors maps meta's sentinel errors to codes, first match wins. The message
// is meta's, which names the user, group or policy and never holds a secret.
var metaErrors = []struct {
	err  error
	code Code
}{
	{meta.ErrNoSuchUser, NoSuchUser},
	{meta.ErrNoSuchAccessKey, NoSuchAccessKey},
	{meta.ErrNoSuchGroup, NoSuchGroup},
	{meta.ErrNoSuchPolicy, NoSuchPolicy},
	{meta.ErrNoSuchNode, NoSuchNode},
	{meta.ErrNoSuchBucket, NoSuchBucket},
	{meta.ErrPolicyNotAttached, PolicyNotAttached},
	{meta.ErrUserExists, UserAlreadyExists},
	{meta.ErrGroupExists, GroupAlreadyExists},
	{meta.ErrAccessKeyExists, AccessKeyExists},
	{meta.ErrGroupNotEmpty, GroupNotEmpty},
	{meta.ErrPolicyInUse, PolicyInUse},
	{meta.ErrMalformedPolicy, MalformedPolicy},
	{meta.ErrRootKey, RootUserKey},
	{meta.ErrStaleLayout, LayoutConflict},
	{meta.ErrNoSuchConnection, NoSuchConnection},
	{meta.ErrConnectionExists, ConnectionAlreadyExists},
	{meta.ErrConnectionInUse, ConnectionInUse},
	{meta.ErrNoSuchReplicationRule, NoSuchReplicationRule},
	{meta.ErrReplicationRuleExists, ReplicationRuleExists},
	{meta.ErrInvalidTag, InvalidRequest},
	{meta.ErrNotImplemented, NotImplemented},
	{meta.ErrInvalid, InvalidRequest},
	{meta.ErrNotReady, ServiceUnavailable},
}

// toError maps an error from any layer to the admin error the client sees; nil when
// it is none of the known kinds (the caller logs it and answers InternalError).
func toError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if se, ok := s3err.As(err); ok {
		if se.Code == s3err.InternalError {
			return nil // the verifier's wrapped lookup failure: log the cause
		}
		return &Error{Code: Code(se.Code), Message: se.Message, Status: se.Status}
	}
	for _, m := range metaErrors {
		if errors.Is(err, m.err) {
			out := newError(m.code)
			if msg := metaMessage(err, m.code); msg != "" {
				out.Message = msg
			}
			return out
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return newError(RequestTimeout)
	case errors.Is(err, context.Canceled):
		return newError(RequestTimeout)
	}
	return nil
}

// metaMessage is the message to show for a meta error: its text without the
// "meta: " prefix, which names the user, group, policy or node concerned. Not for
// ServiceUnavailable and RootUserKey, whose texts name internals.
func metaMessage(err error, code Code) string {
	if code == ServiceUnavailable || code == RootUserKey {
		return ""
	}
	msg := err.Error()
	const prefix = "meta: "
	for len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		msg = msg[len(prefix):]
	}
	return msg
}
