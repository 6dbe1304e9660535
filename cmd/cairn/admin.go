package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairnstore/cairn/bench"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

// Environment variables of `cairn admin` besides the credential ones.
const (
	envAdminEndpoint = "CAIRN_ADMIN_ENDPOINT"
	envRegion        = "CAIRN_REGION"
	defaultEndpoint  = "http://127.0.0.1:9001"
)

// adminCLI holds the global flags of `cairn admin` and builds the client from them.
type adminCLI struct {
	endpoint     string
	accessKey    string
	secretKey    string
	sessionToken string
	profile      string
	region       string
	json         bool
	timeout      time.Duration
}

const adminLong = `Manage a Cairn cluster through its admin API (the admin address, port 9001).

Every request is signed with SigV4 by an access key whose policy allows the admin
action; the root credentials may do everything.

Credentials, the first found wins:
  1. --access-key and --secret-key
  2. an endpoint URL with the key in it: --endpoint http://KEY:SECRET@host:9001
  3. --profile: a profile of the AWS shared credentials and config files
  4. CAIRN_ACCESS_KEY and CAIRN_SECRET_KEY (and CAIRN_SESSION_TOKEN)
  5. the AWS SDK's chain: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
     AWS_SESSION_TOKEN; then the profile AWS_PROFILE (or "default") of
     ~/.aws/credentials and ~/.aws/config, whose paths AWS_SHARED_CREDENTIALS_FILE
     and AWS_CONFIG_FILE override
'cairn admin whoami' shows which key was used and where it was found.

The endpoint is --endpoint, else CAIRN_ADMIN_ENDPOINT, else http://127.0.0.1:9001.
The region is --region, else CAIRN_REGION, else us-east-1; a node accepts any region unless it pins its own (strict region).
Output is a table; --json prints the API's JSON instead.`

// adminCommand returns `cairn admin` and its subcommands.
func adminCommand() *cobra.Command {
	a := &adminCLI{}
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Manage the cluster, users, keys, groups and policies",
		Long:  adminLong,
		Args:  cobra.NoArgs,
	}
	f := cmd.PersistentFlags()
	f.StringVar(&a.endpoint, "endpoint", "", "admin API URL, e.g. http://127.0.0.1:9001 or http://KEY:SECRET@host:9001 (default $"+envAdminEndpoint+" or "+defaultEndpoint+")")
	f.StringVar(&a.accessKey, "access-key", "", "access key id")
	f.StringVar(&a.secretKey, "secret-key", "", "secret access key")
	f.StringVar(&a.sessionToken, "session-token", "", "session token, with --access-key and --secret-key")
	f.StringVar(&a.profile, "profile", "", "profile of the AWS shared credentials and config files")
	f.StringVar(&a.region, "region", "", "region the node expects in signatures (default $"+envRegion+" or us-east-1)")
	f.BoolVar(&a.json, "json", false, "print JSON instead of tables")
	f.DurationVar(&a.timeout, "timeout", 30*time.Second, "give up on a request after this long")
	cmd.AddCommand(
		a.whoamiCommand(), a.clusterCommand(), a.raftCommand(), a.nodesCommand(), a.layoutCommand(), a.syncCommand(),
		a.usersCommand(), a.keysCommand(), a.groupsCommand(), a.policiesCommand(), a.bucketsCommand(), a.quotaCommand(), a.usageCommand(),
		a.gcCommand(), a.scrubCommand(), a.lifecycleCommand(), a.connectionsCommand(), a.replicationCommand(),
	)
	return cmd
}

// session is what a subcommand runs with: a client and where to print.
type session struct {
	ctx    context.Context
	c      *client.Client
	in     io.Reader
	out    io.Writer
	json   bool
	source string // where the credentials were found, for whoami
}

// run wraps a subcommand's body: it resolves the credentials, builds the client and
// bounds the call with --timeout.
func (a *adminCLI) run(body func(s *session, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		ctx, cancel := context.WithTimeout(cmd.Context(), a.timeout)
		defer cancel()
		s, err := a.session(ctx, cmd.OutOrStdout())
		if err != nil {
			return err
		}
		s.in = cmd.InOrStdin()
		return body(s, args)
	}
}

// session resolves the endpoint, credentials and region.
func (a *adminCLI) session(ctx context.Context, out io.Writer) (*session, error) {
	raw := a.endpoint
	if raw == "" {
		raw = os.Getenv(envAdminEndpoint)
	}
	if raw == "" {
		raw = defaultEndpoint
	}
	endpoint, _, _, err := bench.SplitEndpointCredentials(raw)
	if err != nil {
		return nil, fmt.Errorf("--endpoint: %w", err)
	}
	creds, err := bench.ResolveCredentials(ctx, bench.CredentialOptions{
		AccessKey: a.accessKey, SecretKey: a.secretKey, SessionToken: a.sessionToken,
		Endpoints: []string{raw}, Profile: a.profile,
	})
	if err != nil {
		return nil, err
	}
	region := a.region
	if region == "" {
		region = os.Getenv(envRegion)
	}
	c, err := client.New(client.Config{Endpoint: endpoint, Credentials: creds.Provider, Region: region, UserAgent: "cairn-admin/" + version})
	if err != nil {
		return nil, err
	}
	return &session{ctx: ctx, c: c, out: out, json: a.json, source: creds.String()}, nil
}

// print writes v as indented JSON with --json, else the table that table writes.
func (s *session) print(v any, table func(w io.Writer)) error {
	if s.json {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	table(tw)
	return tw.Flush()
}

// done prints a confirmation, or with --json the answer (or {} for none).
func (s *session) done(v any, format string, args ...any) error {
	if s.json {
		if v == nil {
			v = struct{}{}
		}
		return s.print(v, nil)
	}
	_, err := fmt.Fprintf(s.out, format+"\n", args...)
	return err
}
