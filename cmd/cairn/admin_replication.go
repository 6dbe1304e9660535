package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/admin"
)

// The site sync commands: connections (peer sites, S3 targets) and the replication
// rules of buckets. docs/site-sync.md describes the model.

func (a *adminCLI) connectionsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "connections", Short: "Manage site sync connections: the S3 endpoints buckets replicate to", Args: cobra.NoArgs}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "list",
			Short: "List the connections (never their secrets)",
			Args:  cobra.NoArgs,
			RunE: a.run(func(s *session, _ []string) error {
				cs, err := s.c.Connections(s.ctx)
				if err != nil {
					return err
				}
				return s.print(cs, func(w io.Writer) {
					fmt.Fprintln(w, "NAME\tENDPOINT\tREGION\tCREDENTIALS\tCREATED")
					for _, c := range cs {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", c.Name, c.Endpoint, c.Region, credentialsSummary(c.Credentials), c.CreatedAt.Format(time.RFC3339))
					}
				})
			}),
		},
		&cobra.Command{
			Use:   "get NAME",
			Short: "Show a connection",
			Args:  cobra.ExactArgs(1),
			RunE: a.run(func(s *session, args []string) error {
				c, err := s.c.Connection(s.ctx, args[0])
				if err != nil {
					return err
				}
				return s.print(c, func(w io.Writer) { connectionRows(w, c) })
			}),
		},
		a.connectionPutCommand(true),
		a.connectionPutCommand(false),
		&cobra.Command{
			Use:   "delete NAME",
			Short: "Delete a connection that no rule uses",
			Args:  cobra.ExactArgs(1),
			RunE: a.run(func(s *session, args []string) error {
				if err := s.c.DeleteConnection(s.ctx, args[0]); err != nil {
					return err
				}
				return s.done(nil, "Deleted connection %s.", args[0])
			}),
		},
	)
	return cmd
}

// connectionPutCommand is `connections create` (create) or `connections update`.
func (a *adminCLI) connectionPutCommand(create bool) *cobra.Command {
	var in admin.ConnectionRequest
	var secretStdin bool
	var caFile string
	use, short := "update NAME ENDPOINT", "Replace a connection (static: without --secret-stdin the stored secret is kept, for the same access key and endpoint)"
	if create {
		use, short = "create NAME ENDPOINT", "Create a connection; ENDPOINT may embed KEY:SECRET (https://KEY:SECRET@host)"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + `.

Credentials come from one source (--source): static (--peer-access-key and a secret
read from stdin with --secret-stdin, or embedded in ENDPOINT), env (the replicating
nodes' AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN), shared (a
profile of an aws cli credentials and config file on the replicating nodes), imds
(the instance metadata service) or default (the AWS SDK's chain of all of those).
The secret is stored encrypted and never shown again.`,
		Args: cobra.ExactArgs(2),
		RunE: a.run(func(s *session, args []string) error {
			in.Name, in.Endpoint = args[0], args[1]
			if secretStdin {
				line, err := bufio.NewReader(io.LimitReader(s.in, 4096)).ReadString('\n')
				if err != nil && err != io.EOF {
					return err
				}
				in.Credentials.SecretAccessKey = strings.TrimRight(line, "\r\n")
			}
			if caFile != "" {
				pem, err := os.ReadFile(caFile)
				if err != nil {
					return err
				}
				in.TLS.CACertPEM = string(pem)
			}
			var c admin.Connection
			var err error
			if create {
				c, err = s.c.CreateConnection(s.ctx, in)
			} else {
				c, err = s.c.UpdateConnection(s.ctx, in.Name, in)
			}
			if err != nil {
				return err
			}
			return s.print(c, func(w io.Writer) { connectionRows(w, c) })
		}),
	}
	f := cmd.Flags()
	f.StringVar(&in.Region, "peer-region", "", "the peer's region (default us-east-1)")
	f.StringVar(&in.Credentials.Source, "source", "", "credentials source: static, env, shared, imds or default (default: static with keys, else default)")
	f.StringVar(&in.Credentials.AccessKeyID, "peer-access-key", "", "static access key id")
	f.BoolVar(&secretStdin, "secret-stdin", false, "read the static secret key from the first line of stdin")
	f.StringVar(&in.Credentials.Profile, "peer-profile", "", "profile of the shared files (shared, default)")
	f.StringVar(&in.Credentials.CredentialsFile, "credentials-file", "", "shared credentials file on the replicating nodes")
	f.StringVar(&in.Credentials.ConfigFile, "config-file", "", "shared config file on the replicating nodes")
	f.StringVar(&in.Credentials.IMDSEndpoint, "imds-endpoint", "", "instance metadata service URL (imds, default)")
	f.StringVar(&caFile, "ca-file", "", "PEM file of the CA the peer's certificate must chain to")
	f.StringVar(&in.TLS.ServerName, "server-name", "", "name the peer's certificate must be valid for")
	f.BoolVar(&in.TLS.InsecureSkipVerify, "insecure-skip-verify", false, "accept any certificate (tests only)")
	return cmd
}

func (a *adminCLI) replicationCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "replication", Short: "Manage buckets' replication rules (site sync)", Args: cobra.NoArgs}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "list [BUCKET]",
			Short: "List the rules of a bucket, or of every bucket",
			Args:  cobra.MaximumNArgs(1),
			RunE: a.run(func(s *session, args []string) error {
				bucket := ""
				if len(args) == 1 {
					bucket = args[0]
				}
				rules, err := s.c.ReplicationRules(s.ctx, bucket)
				if err != nil {
					return err
				}
				return s.print(rules, func(w io.Writer) {
					fmt.Fprintln(w, "BUCKET\tID\tCONNECTION\tTARGET\tMODE\tPREFIX\tDELETES\tSTATE")
					for _, r := range rules {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%t\t%s\n", r.Bucket, r.ID, r.Connection, r.TargetBucket, r.Mode, orDash(r.Prefix), r.ReplicateDeletes, ruleState(r))
					}
				})
			}),
		},
		a.ruleCall("get BUCKET ID", "Show a rule", func(s *session, args []string) (admin.ReplicationRule, error) {
			return s.c.ReplicationRule(s.ctx, args[0], args[1])
		}),
		a.rulePutCommand(true),
		a.rulePutCommand(false),
		a.ruleCall("pause BUCKET ID", "Pause a rule: changes wait until it resumes", func(s *session, args []string) (admin.ReplicationRule, error) {
			return s.c.PauseReplicationRule(s.ctx, args[0], args[1])
		}),
		a.ruleCall("resume BUCKET ID", "Resume a paused rule", func(s *session, args []string) (admin.ReplicationRule, error) {
			return s.c.ResumeReplicationRule(s.ctx, args[0], args[1])
		}),
		a.ruleCall("resync BUCKET ID", "Compare the target with the source again and copy what it lacks (after it lost data or was restored), in any mode; progress in status", func(s *session, args []string) (admin.ReplicationRule, error) {
			return s.c.ResyncReplicationRule(s.ctx, args[0], args[1])
		}),
		&cobra.Command{
			Use:   "status",
			Short: "Show each rule's delivery over the cluster: sent, backlog, lag, failures, last error, backfill",
			Args:  cobra.NoArgs,
			RunE: a.run(func(s *session, _ []string) error {
				st, err := s.c.ReplicationStatus(s.ctx)
				if err != nil {
					return err
				}
				return s.print(st, func(w io.Writer) {
					fmt.Fprintf(w, "Nodes answered: %d of %d\n", st.NodesAnswered, st.NodesAsked)
					fmt.Fprintln(w, "BUCKET\tID\tSTATE\tOBJECTS\tBYTES\tRATE (1 MIN)\tBACKLOG\tLAG\tFAILURES\tBACKFILL\tLAST ERROR")
					for _, r := range st.Items {
						state := "active"
						if r.Paused {
							state = "paused"
						}
						var fails []string
						for k, v := range r.Failures {
							fails = append(fails, fmt.Sprintf("%s=%d", k, v))
						}
						backfill := backfillProgress(r)
						fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%.1f/s %s/s\t%d\t%.1fs\t%s\t%s\t%s\n", r.Bucket, r.ID, state, r.Objects, r.Bytes,
							r.ObjectsPerSecond, bytesOf(uint64(r.BytesPerSecond)), r.Backlog,
							r.LagSeconds, joinOrDash(sorted(fails)), backfill, orDash(r.LastError))
					}
				})
			}),
		},
		&cobra.Command{
			Use:   "delete BUCKET ID",
			Short: "Delete a rule",
			Args:  cobra.ExactArgs(2),
			RunE: a.run(func(s *session, args []string) error {
				if err := s.c.DeleteReplicationRule(s.ctx, args[0], args[1]); err != nil {
					return err
				}
				return s.done(nil, "Deleted rule %s of bucket %s.", args[1], args[0])
			}),
		},
	)
	return cmd
}

// rulePutCommand is `replication create` (create) or `replication update`.
func (a *adminCLI) rulePutCommand(create bool) *cobra.Command {
	var in admin.ReplicationRuleRequest
	var tags []string
	use, short := "update BUCKET ID", "Replace a rule"
	if create {
		use, short = "create BUCKET ID", "Add a rule that replicates BUCKET through a connection"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(2),
		RunE: a.run(func(s *session, args []string) error {
			in.ID = args[1]
			in.Tags = map[string]string{}
			for _, t := range tags {
				k, v, ok := strings.Cut(t, "=")
				if !ok {
					return fmt.Errorf("--tag %q: want KEY=VALUE", t)
				}
				in.Tags[k] = v
			}
			var r admin.ReplicationRule
			var err error
			if create {
				r, err = s.c.CreateReplicationRule(s.ctx, args[0], in)
			} else {
				r, err = s.c.UpdateReplicationRule(s.ctx, args[0], args[1], in)
			}
			if err != nil {
				return err
			}
			return s.print(r, func(w io.Writer) { ruleRows(w, r) })
		}),
	}
	f := cmd.Flags()
	f.StringVar(&in.Connection, "connection", "", "the connection to replicate through (required)")
	f.StringVar(&in.TargetBucket, "target-bucket", "", "the bucket on the other side (required)")
	f.StringVar(&in.Mode, "mode", meta.ModeNewOnly, "new_only, all (also copy what exists) or bidirectional (two-way, comparing what exists on both sides)")
	f.StringVar(&in.Prefix, "prefix", "", "replicate only keys that begin with this")
	f.StringSliceVar(&tags, "tag", nil, "replicate only objects with this tag, KEY=VALUE (repeat)")
	f.BoolVar(&in.ReplicateDeletes, "replicate-deletes", false, "replicate deletes and delete markers too")
	f.BoolVar(&in.Paused, "paused", false, "create the rule paused")
	f.BoolVar(&in.SyncBucket, "sync-bucket", false, "create the target bucket if missing and keep its settings (versioning, object lock, lifecycle, policy, tags, CORS, encryption) the source's")
	_ = cmd.MarkFlagRequired("connection")
	_ = cmd.MarkFlagRequired("target-bucket")
	return cmd
}

// ruleCall is a command on BUCKET ID that prints the rule it gets back.
func (a *adminCLI) ruleCall(use, short string, call func(s *session, args []string) (admin.ReplicationRule, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(2),
		RunE: a.run(func(s *session, args []string) error {
			r, err := call(s, args)
			if err != nil {
				return err
			}
			return s.print(r, func(w io.Writer) { ruleRows(w, r) })
		}),
	}
}

func connectionRows(w io.Writer, c admin.Connection) {
	rows(w, "Name", c.Name, "Endpoint", c.Endpoint, "Region", c.Region, "Credentials", credentialsSummary(c.Credentials),
		"Secret stored", fmt.Sprint(c.HasSecret), "CA", fmt.Sprint(c.TLS.CACertPEM != ""), "Server name", orDash(c.TLS.ServerName),
		"Skip TLS verify", fmt.Sprint(c.TLS.InsecureSkipVerify), "Created", c.CreatedAt.Format(time.RFC3339), "Updated", c.UpdatedAt.Format(time.RFC3339))
}

// credentialsSummary says where a connection's credentials come from, without
// a secret.
func credentialsSummary(c meta.ConnectionCredentials) string {
	switch c.Source {
	case meta.CredentialsStatic:
		return "static " + c.AccessKeyID
	case meta.CredentialsShared, meta.CredentialsDefault:
		if c.Profile != "" {
			return c.Source + " profile " + c.Profile
		}
	}
	return c.Source
}

func ruleRows(w io.Writer, r admin.ReplicationRule) {
	var tags []string
	for k, v := range r.Tags {
		tags = append(tags, k+"="+v)
	}
	rows(w, "Bucket", r.Bucket, "ID", r.ID, "Connection", r.Connection, "Target bucket", r.TargetBucket, "Mode", r.Mode,
		"Prefix", orDash(r.Prefix), "Tags", joinOrDash(sorted(tags)), "Replicate deletes", fmt.Sprint(r.ReplicateDeletes),
		"Sync bucket", fmt.Sprint(r.SyncBucket), "State", ruleState(r), "Created", r.CreatedAt.Format(time.RFC3339))
}

func ruleState(r admin.ReplicationRule) string {
	if r.Paused {
		return "paused"
	}
	return "active"
}

// backfillProgress is the BACKFILL column of a rule's status: done, or how far,
// of how much, and the time left.
func backfillProgress(r meta.ReplicationStatus) string {
	switch {
	case r.BackfillDone:
		return fmt.Sprintf("done (%d compared, %d copied, %s)", r.BackfillCompared, r.BackfillCopied, bytesOf(uint64(r.BackfillBytes)))
	case r.BackfillStarted.IsZero():
		return "-"
	case r.BackfillCounting:
		return fmt.Sprintf("%d of %d+ objects (counting), %d copied", r.BackfillCompared, r.BackfillTotalObjects, r.BackfillCopied)
	}
	eta := "ETA -"
	if r.BackfillETASeconds > 0 {
		eta = "ETA " + (time.Duration(r.BackfillETASeconds) * time.Second).Round(time.Second).String()
	}
	return fmt.Sprintf("%d of %d objects, %s of %s, %d copied, %s", r.BackfillCompared, r.BackfillTotalObjects,
		bytesOf(uint64(r.BackfillComparedBytes)), bytesOf(uint64(r.BackfillTotalBytes)), r.BackfillCopied, eta)
}
