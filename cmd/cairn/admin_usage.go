package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/metrics"
)

// The usage command: what each bucket holds and the requests it got.

func (a *adminCLI) usageCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "usage [BUCKET]",
		Short: "Show every bucket's usage (objects, bytes, versions) and requests, or one bucket's",
		Long: "Usage is counted cluster-wide, each object once, from counts at most --usage-max-age old;\n" +
			"requests are summed over the nodes that answered, since each node started.",
		Args: cobra.MaximumNArgs(1),
		RunE: a.run(func(s *session, args []string) error {
			var rep admin.BucketStatsReport
			var err error
			if len(args) == 1 {
				rep, err = s.c.OneBucketUsage(s.ctx, args[0])
			} else {
				rep, err = s.c.BucketUsage(s.ctx)
			}
			if err != nil {
				return err
			}
			return s.print(rep, func(w io.Writer) {
				fmt.Fprint(w, "BUCKET\tOBJECTS\tBYTES\tVERSIONS\tVERSION BYTES\tDELETE MARKERS")
				for _, c := range metrics.Classes {
					fmt.Fprintf(w, "\t%s", strings.ToUpper(c))
				}
				fmt.Fprintln(w, "\tERRORS\tBYTES IN\tBYTES OUT")
				for _, b := range rep.Items {
					u, t := b.Usage, b.Traffic
					fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d", b.Name, u.Objects, u.Bytes, u.Versions, u.VersionBytes, u.DeleteMarkers)
					for _, c := range metrics.Classes {
						fmt.Fprintf(w, "\t%d", t.Requests[c])
					}
					fmt.Fprintf(w, "\t%d\t%d\t%d\n", t.Errors, t.BytesIn, t.BytesOut)
				}
				if rep.NodesAnswered < rep.NodesAsked {
					fmt.Fprintf(w, "(only %d of %d nodes answered: figures may be short)\n", rep.NodesAnswered, rep.NodesAsked)
				}
			})
		}),
	}
}
