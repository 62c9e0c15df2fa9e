"""A node that disagrees with the cluster refuses to start, with one clear line.

Against a running one-node cluster (throwaway PostgreSQL): a second node
started with another URL-signing key, or another cluster secret, or after
the catalog's schema moved past what this binary knows, exits non-zero and
says which setting (or version) differs; the running node keeps serving. A
node without the serve role answers only health, readiness and metrics.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.cluster import Cluster, Node


class ClusterAgreement(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(nodes=1, haproxy=False)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    def start_refused(self, name, **overrides):
        """Starts a node with `overrides` in its cluster config; returns what it printed before exiting."""
        config = dict(self.cluster.cluster_config, **overrides)
        with self.assertRaises(RuntimeError) as refused:
            node = Node(name, config)
            node.close()  # started after all: the assertion fails
        return str(refused.exception)

    def other_file(self, name, data):
        path = os.path.join(self.cluster.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_1_another_signing_key_is_refused(self):
        out = self.start_refused("k1", signing_key_file=self.other_file("other.key", os.urandom(32)))
        self.assertIn("cluster.signing_key_file: this node's file differs from the one the cluster uses", out)

    def test_2_another_cluster_secret_is_refused(self):
        out = self.start_refused("s1", secret_file=self.other_file("other.secret", os.urandom(24).hex().encode()))
        self.assertIn("cluster.secret_file: this node's file differs from the one the cluster uses", out)

    def test_3_a_newer_schema_is_refused(self):
        pg = self.cluster.pg
        latest = int(pg.psql("SELECT MAX(version) FROM schema_version", database="tidecast"))
        pg.psql(f"INSERT INTO schema_version (version) VALUES ({latest + 1})", database="tidecast")
        try:
            out = self.start_refused("v1")
            self.assertIn(f"catalog schema version {latest + 1} is newer than this Tidecast ({latest})", out)
        finally:
            pg.psql(f"DELETE FROM schema_version WHERE version = {latest + 1}", database="tidecast")

    def test_4_a_node_without_the_serve_role_answers_only_checks(self):
        node = Node("ingest-only", dict(self.cluster.cluster_config, roles=["ingest"]))
        try:
            status, body = node.get_json("/api/v1/videos")
            self.assertEqual(status, 421, body)
            self.assertEqual(body["error"]["code"], "not_serving")
            self.assertEqual(node.get("/live/any/master.m3u8")[0], 421)
            for check in ("/api/v1/health", "/api/v1/ready", "/metrics"):
                self.assertEqual(node.get(check)[0], 200, check)
        finally:
            node.close()

    def test_5_the_running_node_keeps_serving(self):
        status, body = self.cluster.nodes[0].get_json("/api/v1/health")
        self.assertEqual(status, 200, body)
        self.assertIsNone(self.cluster.nodes[0].proc.poll())


if __name__ == "__main__":
    unittest.main(verbosity=2)
