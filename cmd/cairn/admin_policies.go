package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairnstore/cairn/s3api/admin"
)

// The managed policy commands.

func (a *adminCLI) policiesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policies",
		Short: "Manage policies (AWS IAM JSON or Cairn's short form) and attach them",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "list",
			Short: "List the managed policies",
			Args:  cobra.NoArgs,
			RunE: a.run(func(s *session, _ []string) error {
				ps, err := s.c.Policies(s.ctx)
				if err != nil {
					return err
				}
				return s.print(ps, func(w io.Writer) {
					fmt.Fprintln(w, "NAME\tCREATED\tUPDATED")
					for _, p := range ps {
						fmt.Fprintf(w, "%s\t%s\t%s\n", p.Name, p.CreatedAt.Format(time.RFC3339), p.UpdatedAt.Format(time.RFC3339))
					}
				})
			}),
		},
		&cobra.Command{
			Use:   "get NAME",
			Short: "Show a policy, its document and where it is attached",
			Args:  cobra.ExactArgs(1),
			RunE: a.run(func(s *session, args []string) error {
				p, err := s.c.Policy(s.ctx, args[0])
				if err != nil {
					return err
				}
				return s.print(p, func(w io.Writer) { policyRows(w, p) })
			}),
		},
		&cobra.Command{
			Use:   "put NAME FILE",
			Short: "Create or replace a policy from a JSON file ('-' reads standard input)",
			Long: `Create or replace a managed policy. FILE holds an AWS IAM identity policy
({"Version": "2012-10-17", "Statement": [...]}, no Principal) or Cairn's short form,
e.g. [{"bucket": "photos", "actions": ["read", "list"], "prefix": "2024/"}], which is
stored converted to the full form. See docs/policies.md.`,
			Args: cobra.ExactArgs(2),
			RunE: a.run(func(s *session, args []string) error {
				doc, err := readDocument(args[1], s.in)
				if err != nil {
					return err
				}
				p, err := s.c.PutPolicy(s.ctx, args[0], doc)
				if err != nil {
					return err
				}
				return s.print(p, func(w io.Writer) { policyRows(w, p) })
			}),
		},
		&cobra.Command{
			Use:   "delete NAME",
			Short: "Delete a policy that is attached nowhere",
			Args:  cobra.ExactArgs(1),
			RunE: a.run(func(s *session, args []string) error {
				if err := s.c.DeletePolicy(s.ctx, args[0]); err != nil {
					return err
				}
				return s.done(nil, "Deleted policy %s.", args[0])
			}),
		},
		a.attachCommand(true),
		a.attachCommand(false),
	)
	return cmd
}

// attachCommand is `policies attach` (attach true) or `policies detach`.
func (a *adminCLI) attachCommand(attach bool) *cobra.Command {
	var user, group string
	verb, prep := "detach", "from"
	if attach {
		verb, prep = "attach", "to"
	}
	cmd := &cobra.Command{
		Use:   verb + " POLICY (--user USER | --group GROUP)",
		Short: fmt.Sprintf("%s a policy %s a user or a group", capitalize(verb), prep),
		Args:  cobra.ExactArgs(1),
		RunE: a.run(func(s *session, args []string) error {
			name := args[0]
			switch {
			case (user == "") == (group == ""):
				return errors.New("give exactly one of --user and --group")
			case user != "":
				call := s.c.DetachUserPolicy
				if attach {
					call = s.c.AttachUserPolicy
				}
				u, err := call(s.ctx, user, name)
				if err != nil {
					return err
				}
				return s.print(u, func(w io.Writer) { userRows(w, u) })
			default:
				call := s.c.DetachGroupPolicy
				if attach {
					call = s.c.AttachGroupPolicy
				}
				g, err := call(s.ctx, group, name)
				if err != nil {
					return err
				}
				return s.print(g, func(w io.Writer) { groupRows(w, g) })
			}
		}),
	}
	cmd.Flags().StringVar(&user, "user", "", "the user")
	cmd.Flags().StringVar(&group, "group", "", "the group")
	return cmd
}

// policyRows prints a policy: its names and dates, then its document indented.
func policyRows(w io.Writer, p admin.Policy) {
	rows(w, "Name", p.Name, "Created", p.CreatedAt.Format(time.RFC3339), "Updated", p.UpdatedAt.Format(time.RFC3339),
		"Users", joinOrDash(p.Users), "Groups", joinOrDash(p.Groups))
	var doc bytes.Buffer
	if json.Indent(&doc, p.Document, "", "  ") == nil {
		fmt.Fprintf(w, "Document:\n%s\n", doc.String())
	}
}

// readDocument reads a policy file, or stdin for "-".
func readDocument(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(io.LimitReader(stdin, admin.DefaultMaxBodyBytes+1))
	}
	return os.ReadFile(path)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
