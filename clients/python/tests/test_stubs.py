"""The committed stubs are what Debian's protoc makes of proto/ today."""
import filecmp
import importlib.util
import tempfile
import unittest
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# Loaded from its file (it sits beside the package, not in it), leaving sys.path as it is.
_spec = importlib.util.spec_from_file_location("generate_stubs", PACKAGE_ROOT / "generate_stubs.py")
generate_stubs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate_stubs)


class StubsTest(unittest.TestCase):

    def test_committed_stubs_match_the_contracts(self):
        committed = PACKAGE_ROOT / generate_stubs.PACKAGE
        with tempfile.TemporaryDirectory() as scratch:
            fresh = Path(scratch) / generate_stubs.PACKAGE
            names = generate_stubs.generate(Path(scratch))
            self.assertTrue(names)
            self.assertEqual(names, sorted(p.name for p in committed.glob("*_pb2*.py")),
                             "stale or missing stubs: run /usr/bin/python3 clients/python/generate_stubs.py")
            _, differ, errors = filecmp.cmpfiles(fresh, committed, names, shallow=False)
            self.assertEqual(([], []), (differ, errors),
                             "stubs out of date: run /usr/bin/python3 clients/python/generate_stubs.py")


if __name__ == "__main__":
    unittest.main()
