package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/cairnstore/cairn/bench"
	"github.com/cairnstore/cairn/s3api/admin"
)

// The quota command: a bucket's quota (docs/quotas.md).

func (a *adminCLI) quotaCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "quota BUCKET",
		Short: "Show a bucket's quota and usage; set or clear it",
		Long: "A bucket's quota is a hard limit on the bytes (of every version that holds data) and\n" +
			"the versions it may hold. Writes that would pass it are refused with QuotaExceeded.\n" +
			"Usage is counted from the nodes' figures, at most --usage-max-age old (docs/quotas.md).",
		Args: cobra.ExactArgs(1),
		RunE: a.run(func(s *session, args []string) error {
			q, err := s.c.BucketQuota(s.ctx, args[0])
			if err != nil {
				return err
			}
			return s.printQuota(q)
		}),
	}
	var size, objects string
	set := &cobra.Command{
		Use:   "set BUCKET --size SIZE [--objects N]",
		Short: "Set a bucket's quota (replacing it whole; a limit left out is none)",
		Args:  cobra.ExactArgs(1),
		RunE: a.run(func(s *session, args []string) error {
			var in admin.BucketQuota
			var err error
			if size == "" && objects == "" {
				return fmt.Errorf("give --size, --objects or both (use \"quota clear\" to remove the quota)")
			}
			if size != "" {
				if in.Bytes, err = bench.ParseSize(size); err != nil {
					return fmt.Errorf("--size: %w", err)
				}
			}
			if objects != "" {
				if in.Objects, err = strconv.ParseInt(objects, 10, 64); err != nil || in.Objects < 0 {
					return fmt.Errorf("--objects: %q is not a count", objects)
				}
			}
			q, err := s.c.SetBucketQuota(s.ctx, args[0], in)
			if err != nil {
				return err
			}
			return s.printQuota(q)
		}),
	}
	set.Flags().StringVar(&size, "size", "", "the most bytes, e.g. 10GiB, 500MB, 1048576 (IEC units are powers of 1024, SI of 1000)")
	set.Flags().StringVar(&objects, "objects", "", "the most versions holding data")
	clearCmd := &cobra.Command{
		Use:   "clear BUCKET",
		Short: "Remove a bucket's quota",
		Args:  cobra.ExactArgs(1),
		RunE: a.run(func(s *session, args []string) error {
			if err := s.c.DeleteBucketQuota(s.ctx, args[0]); err != nil {
				return err
			}
			return s.print(map[string]string{"bucket": args[0], "quota": "none"}, func(w io.Writer) {
				fmt.Fprintf(w, "Quota of %s cleared\n", args[0])
			})
		}),
	}
	cmd.AddCommand(set, clearCmd)
	return cmd
}

// printQuota prints a quota answer.
func (s *session) printQuota(q admin.BucketQuotaAnswer) error {
	limit := func(n int64, f func(int64) string) string {
		if n == 0 {
			return "none"
		}
		return f(n)
	}
	count := func(n int64) string { return strconv.FormatInt(n, 10) }
	return s.print(q, func(w io.Writer) {
		rows(w, "Bucket", q.Bucket, "Size limit", limit(q.Quota.Bytes, bench.FormatSize), "Objects limit", limit(q.Quota.Objects, count))
		if q.Usage != nil {
			rows(w, "Used", fmt.Sprintf("%d bytes in %d versions", q.Usage.VersionBytes, q.Usage.Versions))
		}
	})
}
