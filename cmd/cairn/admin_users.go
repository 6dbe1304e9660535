package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairnstore/cairn/s3api/admin"
)

// The user and access key commands.

func (a *adminCLI) usersCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "Manage IAM users", Args: cobra.NoArgs}
	var policies []string
	var expiry string
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a user (then give it a key with 'cairn admin keys create NAME')",
		Args:  cobra.ExactArgs(1),
		RunE: a.run(func(s *session, args []string) error {
			in := admin.CreateUserRequest{Name: args[0], Policies: policies}
			if expiry != "" {
				t, err := parseExpiry(expiry, time.Now())
				if err != nil {
					return err
				}
				in.Expiry = t
			}
			u, err := s.c.CreateUser(s.ctx, in)
			if err != nil {
				return err
			}
			return s.print(u, func(w io.Writer) { userRows(w, u) })
		}),
	}
	create.Flags().StringSliceVar(&policies, "policy", nil, "managed policy to attach (repeat, or comma-separated)")
	create.Flags().StringVar(&expiry, "expiry", "", "when the user's keys stop working: RFC 3339 time, or a duration from now (90d, 12h)")

	expiryCmd := &cobra.Command{
		Use:   "expiry NAME WHEN",
		Short: "Set when a user's keys stop working (RFC 3339, a duration like 30d, or 'never')",
		Args:  cobra.ExactArgs(2),
		RunE: a.run(func(s *session, args []string) error {
			var t *time.Time
			if args[1] != "never" {
				var err error
				if t, err = parseExpiry(args[1], time.Now()); err != nil {
					return err
				}
			}
			u, err := s.c.SetUserExpiry(s.ctx, args[0], t)
			if err != nil {
				return err
			}
			return s.print(u, func(w io.Writer) { userRows(w, u) })
		}),
	}

	cmd.AddCommand(
		&cobra.Command{
			Use:   "list",
			Short: "List the users",
			Args:  cobra.NoArgs,
			RunE: a.run(func(s *session, _ []string) error {
				users, err := s.c.Users(s.ctx)
				if err != nil {
					return err
				}
				return s.print(users, func(w io.Writer) {
					fmt.Fprintln(w, "NAME\tSTATUS\tEXPIRY\tPOLICIES\tGROUPS\tCREATED")
					for _, u := range users {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, userStatus(u), timeOrDash(u.Expiry),
							joinOrDash(u.Policies), joinOrDash(u.Groups), u.CreatedAt.Format(time.RFC3339))
					}
				})
			}),
		},
		create,
		a.userCall("get NAME", "Show a user", func(s *session, name string) (admin.User, error) { return s.c.User(s.ctx, name) }),
		a.userCall("disable NAME", "Disable a user: every request signed with its keys is refused", func(s *session, name string) (admin.User, error) {
			return s.c.DisableUser(s.ctx, name)
		}),
		a.userCall("enable NAME", "Enable a disabled user", func(s *session, name string) (admin.User, error) {
			return s.c.EnableUser(s.ctx, name)
		}),
		expiryCmd,
		&cobra.Command{
			Use:   "delete NAME",
			Short: "Delete a user, its access keys and its group memberships",
			Args:  cobra.ExactArgs(1),
			RunE: a.run(func(s *session, args []string) error {
				if err := s.c.DeleteUser(s.ctx, args[0]); err != nil {
					return err
				}
				return s.done(nil, "Deleted user %s.", args[0])
			}),
		},
	)
	return cmd
}

// userCall is a command that takes a user name and prints the user it gets back.
func (a *adminCLI) userCall(use, short string, call func(s *session, name string) (admin.User, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: a.run(func(s *session, args []string) error {
			u, err := call(s, args[0])
			if err != nil {
				return err
			}
			return s.print(u, func(w io.Writer) { userRows(w, u) })
		}),
	}
}

// userRows prints one user as name/value rows.
func userRows(w io.Writer, u admin.User) {
	rows(w, "Name", u.Name, "Status", userStatus(u), "Expiry", timeOrDash(u.Expiry),
		"Policies", joinOrDash(u.Policies), "Groups", joinOrDash(u.Groups), "Created", u.CreatedAt.Format(time.RFC3339))
}

// userStatus is "enabled", "disabled" or "expired".
func userStatus(u admin.User) string {
	if u.Expired && u.Status == "enabled" {
		return "expired"
	}
	return u.Status
}

// parseExpiry reads an expiry: an RFC 3339 time, or a duration from now written as
// Go does (12h, 90m) or in days (30d).
func parseExpiry(s string, now time.Time) (*time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n > 0 {
			t := now.Add(time.Duration(n) * 24 * time.Hour)
			return &t, nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		t := now.Add(d)
		return &t, nil
	}
	return nil, fmt.Errorf("expiry %q: want an RFC 3339 time (2025-12-31T23:59:59Z) or a duration from now (30d, 12h)", s)
}

func (a *adminCLI) keysCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage access keys (a user may have several)", Args: cobra.NoArgs}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "list USER",
			Short: "List a user's access keys (secrets are never shown again)",
			Args:  cobra.ExactArgs(1),
			RunE: a.run(func(s *session, args []string) error {
				keys, err := s.c.AccessKeys(s.ctx, args[0])
				if err != nil {
					return err
				}
				return s.print(keys, func(w io.Writer) {
					fmt.Fprintln(w, "ACCESS KEY\tUSER\tCREATED\tEXPIRES")
					for _, k := range keys {
						expires := "never"
						if k.Expiry != nil {
							expires = k.Expiry.Format(time.RFC3339)
						}
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", k.AccessKeyID, k.User, k.CreatedAt.Format(time.RFC3339), expires)
					}
				})
			}),
		},
		a.keyCall("create USER", "Give a user a new access key; its secret is shown this once", func(s *session, user string) (admin.AccessKey, error) {
			return s.c.CreateAccessKey(s.ctx, user)
		}),
		a.keyCall("rotate ACCESS_KEY", "Replace an access key by a new one; the old one stops working at once", func(s *session, id string) (admin.AccessKey, error) {
			return s.c.RotateAccessKey(s.ctx, id)
		}),
		&cobra.Command{
			Use:   "delete ACCESS_KEY",
			Short: "Delete an access key",
			Args:  cobra.ExactArgs(1),
			RunE: a.run(func(s *session, args []string) error {
				if err := s.c.DeleteAccessKey(s.ctx, args[0]); err != nil {
					return err
				}
				return s.done(nil, "Deleted access key %s.", args[0])
			}),
		},
	)
	return cmd
}

// keyCall is a command whose answer holds a new secret, printed once.
func (a *adminCLI) keyCall(use, short string, call func(s *session, arg string) (admin.AccessKey, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: a.run(func(s *session, args []string) error {
			k, err := call(s, args[0])
			if err != nil {
				return err
			}
			return s.print(k, func(w io.Writer) {
				rows(w, "User", k.User, "Access key", k.AccessKeyID, "Secret key", k.SecretKey)
				if k.Replaces != "" {
					rows(w, "Replaces", k.Replaces+" (no longer works)")
				}
				fmt.Fprintln(w, "The secret key is shown only now; store it safely.")
			})
		}),
	}
}
