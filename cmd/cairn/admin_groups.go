package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairnstore/cairn/s3api/admin"
)

// The group commands.

func (a *adminCLI) groupsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "groups", Short: "Manage groups: their members get the policies attached to them", Args: cobra.NoArgs}
	var policies, members []string
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a group",
		Args:  cobra.ExactArgs(1),
		RunE: a.run(func(s *session, args []string) error {
			g, err := s.c.CreateGroup(s.ctx, admin.CreateGroupRequest{Name: args[0], Policies: policies, Members: members})
			if err != nil {
				return err
			}
			return s.print(g, func(w io.Writer) { groupRows(w, g) })
		}),
	}
	create.Flags().StringSliceVar(&policies, "policy", nil, "managed policy to attach (repeat, or comma-separated)")
	create.Flags().StringSliceVar(&members, "member", nil, "user to add (repeat, or comma-separated)")

	cmd.AddCommand(
		&cobra.Command{
			Use:   "list",
			Short: "List the groups",
			Args:  cobra.NoArgs,
			RunE: a.run(func(s *session, _ []string) error {
				groups, err := s.c.Groups(s.ctx)
				if err != nil {
					return err
				}
				return s.print(groups, func(w io.Writer) {
					fmt.Fprintln(w, "NAME\tMEMBERS\tPOLICIES\tCREATED")
					for _, g := range groups {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", g.Name, joinOrDash(g.Members), joinOrDash(g.Policies), g.CreatedAt.Format(time.RFC3339))
					}
				})
			}),
		},
		create,
		a.groupCall("get NAME", "Show a group", 1, func(s *session, args []string) (admin.Group, error) {
			return s.c.Group(s.ctx, args[0])
		}),
		a.groupCall("add GROUP USER", "Add a user to a group", 2, func(s *session, args []string) (admin.Group, error) {
			return s.c.AddUserToGroup(s.ctx, args[0], args[1])
		}),
		a.groupCall("remove GROUP USER", "Remove a user from a group", 2, func(s *session, args []string) (admin.Group, error) {
			return s.c.RemoveUserFromGroup(s.ctx, args[0], args[1])
		}),
		&cobra.Command{
			Use:   "delete NAME",
			Short: "Delete a group that has no members",
			Args:  cobra.ExactArgs(1),
			RunE: a.run(func(s *session, args []string) error {
				if err := s.c.DeleteGroup(s.ctx, args[0]); err != nil {
					return err
				}
				return s.done(nil, "Deleted group %s.", args[0])
			}),
		},
	)
	return cmd
}

// groupCall is a command that prints the group it gets back.
func (a *adminCLI) groupCall(use, short string, nargs int, call func(s *session, args []string) (admin.Group, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(nargs),
		RunE: a.run(func(s *session, args []string) error {
			g, err := call(s, args)
			if err != nil {
				return err
			}
			return s.print(g, func(w io.Writer) { groupRows(w, g) })
		}),
	}
}

// groupRows prints one group as name/value rows.
func groupRows(w io.Writer, g admin.Group) {
	rows(w, "Name", g.Name, "Members", joinOrDash(g.Members), "Policies", joinOrDash(g.Policies), "Created", g.CreatedAt.Format(time.RFC3339))
}
