namespace EdgeBox.Inference;

/// <summary>Non-maximum suppression over candidate detections.</summary>
internal static class Nms
{
    /// <summary>
    /// Greedy NMS per class: candidates sorted by score, each kept unless it overlaps a kept one of the
    /// same class by more than <paramref name="iouThreshold"/>; at most <paramref name="maxResults"/> kept,
    /// appended to <paramref name="results"/>. <paramref name="candidates"/> is sorted in place.
    /// </summary>
    public static void Hard(List<Detection> candidates, float iouThreshold, int maxResults, List<Detection> results, bool perClass = true)
    {
        candidates.Sort(static (a, b) => b.Score.CompareTo(a.Score));
        int start = results.Count;
        foreach (var candidate in candidates)
        {
            if (results.Count - start >= maxResults)
            {
                break;
            }

            bool suppressed = false;
            for (int i = start; i < results.Count; i++)
            {
                if ((!perClass || results[i].Class == candidate.Class) && results[i].Box.Iou(candidate.Box) > iouThreshold)
                {
                    suppressed = true;
                    break;
                }
            }

            if (!suppressed)
            {
                results.Add(candidate);
            }
        }
    }

    /// <summary>
    /// Weighted NMS (BlazeFace, MediaPipe's "WEIGHTED" overlap mode): each kept detection is the
    /// score-weighted mean of the candidates that overlap the best one by more than
    /// <paramref name="iouThreshold"/> (box and keypoints), with the best one's score. Works in place:
    /// <paramref name="candidates"/> is consumed (the caller's scratch list; nothing else is allocated
    /// but the merged keypoints).
    /// </summary>
    public static void Weighted(List<Detection> candidates, float iouThreshold, int maxResults, List<Detection> results)
    {
        candidates.Sort(static (a, b) => b.Score.CompareTo(a.Score));
        int start = results.Count;
        while (candidates.Count > 0 && results.Count - start < maxResults)
        {
            var best = candidates[0];
            float total = 0, x1 = 0, y1 = 0, x2 = 0, y2 = 0;
            float[]? keypoints = best.Keypoints is null ? null : new float[best.Keypoints.Length];

            // The best one and every candidate overlapping it form its cluster: summed by score and taken out.
            for (int i = candidates.Count - 1; i >= 0; i--)
            {
                var d = candidates[i];
                if (i != 0 && d.Box.Iou(best.Box) <= iouThreshold)
                {
                    continue;
                }

                total += d.Score;
                x1 += d.Box.X1 * d.Score;
                y1 += d.Box.Y1 * d.Score;
                x2 += d.Box.X2 * d.Score;
                y2 += d.Box.Y2 * d.Score;
                if (keypoints is not null && d.Keypoints is { } k)
                {
                    for (int j = 0; j < keypoints.Length && j < k.Length; j++)
                    {
                        keypoints[j] += k[j] * d.Score;
                    }
                }

                candidates.RemoveAt(i);
            }

            if (keypoints is not null)
            {
                for (int j = 0; j < keypoints.Length; j++)
                {
                    keypoints[j] /= total;
                }
            }

            results.Add(best with { Box = new BoundingBox(x1 / total, y1 / total, x2 / total, y2 / total), Keypoints = keypoints });
        }
    }
}
