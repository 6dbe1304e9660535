package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
)

// The bucket command: a read-only view; buckets are made through the S3 API.

func (a *adminCLI) bucketsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "buckets [NAME]",
		Short: "List the buckets, or show one",
		Args:  cobra.MaximumNArgs(1),
		RunE: a.run(func(s *session, args []string) error {
			if len(args) == 1 {
				b, err := s.c.Bucket(s.ctx, args[0])
				if err != nil {
					return err
				}
				return s.print(b, func(w io.Writer) {
					rows(w, "Name", b.Name, "Owner", b.Owner, "Region", b.Region, "Created", b.CreatedAt.Format(time.RFC3339),
						"Bucket policy", fmt.Sprint(b.HasPolicy != nil && *b.HasPolicy))
				})
			}
			bs, err := s.c.Buckets(s.ctx)
			if err != nil {
				return err
			}
			return s.print(bs, func(w io.Writer) {
				fmt.Fprintln(w, "NAME\tOWNER\tREGION\tCREATED")
				for _, b := range bs {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", b.Name, b.Owner, b.Region, b.CreatedAt.Format(time.RFC3339))
				}
			})
		}),
	}
}
