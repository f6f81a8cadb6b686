"""Hidden tests: step k runs stages 1..k on hidden records and compares a digest of the
result with what correct stages produce."""

import copy
import hashlib
import json

from clinicdesk.pipeline import run

RECORDS = json.loads("[{\"charge\": 265.03, \"department\": \"derma\", \"minutes\": 16, \"patient\": \"  r novak\", \"visit_id\": 100}, {\"charge\": 12.16, \"department\": \"cardio\", \"minutes\": 20, \"patient\": \" p silva\", \"visit_id\": 101}, {\"charge\": 383.44, \"department\": \"cardio\", \"minutes\": 19, \"patient\": \"  p silva \", \"visit_id\": 102}, {\"charge\": 285.14, \"department\": \"cardio\", \"minutes\": 11, \"patient\": \" L MEYER\", \"visit_id\": 103}, {\"charge\": 151.21, \"department\": \"derma\", \"minutes\": 5, \"patient\": \"  l meyer\", \"visit_id\": 104}, {\"charge\": 451.5, \"department\": \"derma\", \"minutes\": 20, \"patient\": \"J DOE \", \"visit_id\": 105}, {\"charge\": 279.11, \"department\": \"derma\", \"minutes\": 16, \"patient\": \"  l meyer \", \"visit_id\": 106}, {\"charge\": 347.85, \"department\": \"derma\", \"minutes\": 17, \"patient\": \" M ROSSI\", \"visit_id\": 107}, {\"charge\": 440.96, \"department\": \"neuro\", \"minutes\": 17, \"patient\": \"p silva\", \"visit_id\": 108}, {\"charge\": 167.45, \"department\": \"cardio\", \"minutes\": 17, \"patient\": \"  m rossi \", \"visit_id\": 109}, {\"charge\": 240.08, \"department\": \"neuro\", \"minutes\": 5, \"patient\": \"r novak\", \"visit_id\": 110}, {\"charge\": 132.56, \"department\": \"neuro\", \"minutes\": 3, \"patient\": \" P SILVA\", \"visit_id\": 111}, {\"charge\": 134.06, \"department\": \"neuro\", \"minutes\": 3, \"patient\": \" P SILVA\", \"visit_id\": 111}, {\"charge\": 195.74, \"department\": \"neuro\", \"minutes\": 11, \"patient\": \"r novak \", \"visit_id\": 112}, {\"charge\": 20.72, \"department\": \"neuro\", \"minutes\": 20, \"patient\": \"  m rossi \", \"visit_id\": 113}]")
DIGESTS = [
    "390ad5dd994118509aac7630452ca1da76e879da4122bc0f70893cde781ef8bd",
    "bd3fa9befb3c73dcd88963600c7c8ac47b6aa8a6e72d96ff4284dcd587cd6e14",
    "94629bd5f24d09d7f4e401ea32910e452db191ef1bdf3579ecdea23ddd17aad7",
    "7f48dcdd3bc4dbb13df64f5b565f7c0f8ac2c7f23247bef9fa65222587ef99d4",
    "59423b2dd7b1e054dedd12cba450d5ac2eec7d78b098179e97f39488602a8739",
    "6cf7dfa734d793280994c4f27227ebc7658c615667ca8d2c970b477d1a8c098e",
    "0d10c82f8db7e3189c9bf056ca801bc3087dd1c890d557acae82ca1d5f52a897",
    "f971e920c511219567e5124835ace23569467f177ca4fe0c1e7457fd4e55e8cb",
    "f971e920c511219567e5124835ace23569467f177ca4fe0c1e7457fd4e55e8cb",
    "60ed519b20b9af1fb2d9bc2fc4c78cb1193f4b8ba6fb579dec024726d057edee",
    "60ed519b20b9af1fb2d9bc2fc4c78cb1193f4b8ba6fb579dec024726d057edee",
    "25cdf1d6d64a5d9e9c0a802db4706d64bd0d2a5edffdfc8475f576485265c0ed",
    "a83466ac7dea9ed6861b15bc7a29e08a360ac47c16e9eb4ad8cb0446ea890f5c",
    "a83466ac7dea9ed6861b15bc7a29e08a360ac47c16e9eb4ad8cb0446ea890f5c",
    "d4bb1963762a99bb8928066ba9c0dc3c9576d7cfb49de9b628c53bff9c4e4219",
    "6a9e9f994980e54134a431f5089e54c64b554e3d830cb71948afd8975da37c21",
    "8a5f3c31591050d7f6e646f6d700d5288ba168564dc5bb9ea96016d40087dfd9",
    "8a5f3c31591050d7f6e646f6d700d5288ba168564dc5bb9ea96016d40087dfd9",
    "6c169e046560abbe329f126c2e925c4f8f037a2907ec40ecceb772e2a19f3071",
    "c91ea9873bc83b179fb72c9788ce5cd738eb295fdfe4167bdb7f971e0ef8ded2",
    "991793ef9b897105ba8d118bcc7cfabb91ccaffb4007ded07d4db864d4f29ac6",
    "4a20e511ebcb5bd7fa8ecbc00202656b8e05811361c9b2ae43b1420fc03365a6",
    "4a20e511ebcb5bd7fa8ecbc00202656b8e05811361c9b2ae43b1420fc03365a6",
    "4a20e511ebcb5bd7fa8ecbc00202656b8e05811361c9b2ae43b1420fc03365a6",
    "d5add2df63d7d3ba7f696110dbf783cf6c3647ab1eda1ab7dc5df813f1007ddb",
    "f82f288c750cbea324144b996d6e28a9e618d59001483ca024a773ec9c5154af",
    "721f8e853c3b6ab59b04f14ae2c84dcebc86f6ee2a2d99e27238729b70429036",
    "e61982da63722ba62ce8e5434c799d0786128115b757aa24aa1b28c3d4f1ba16",
    "e61982da63722ba62ce8e5434c799d0786128115b757aa24aa1b28c3d4f1ba16",
    "f6b56660d96ce103f1dfa5e8abd9155ace01b96ee46beeada2823bfcd63098fe",
    "b29e3a34ade2acd83062cce54d5ecec517146934239e71bfa58e35830e283442",
    "6661871e064060bf6226f40ca34b93a38c17e400484ab14cc50a133f7325b4e0",
    "8a9f31f5814be039ba3fc8489a5ff226edac698ec1efc6d1d5de3366ab2f8c41",
    "e11e83160d0b026b07bec6d7e6cd3192972be33823e9424beef7763fdf637a75",
    "afa9ac388005a7bd53501cf3f830f15f92735ca2fa7f7c7daf40f76b7061d4af",
    "afa9ac388005a7bd53501cf3f830f15f92735ca2fa7f7c7daf40f76b7061d4af",
    "afa9ac388005a7bd53501cf3f830f15f92735ca2fa7f7c7daf40f76b7061d4af",
    "db5e4792dfaaa6fcef410ec2946a2119d7168146f40ffe3e86f2f5304553349d",
    "70f603cb1caa687ba45aafdf49a8826a15b90b35a64ef52b78d0b52c050dc20a",
    "4a5d313834c409cba010a8124c84a88599ae8fec8bae3616808b3d0cf77361f4",
    "4a5d313834c409cba010a8124c84a88599ae8fec8bae3616808b3d0cf77361f4",
    "5dd1c606c262de7220512e77ffae2e8ea87aa0e185bdb652339a5f915b192d29",
    "5dd1c606c262de7220512e77ffae2e8ea87aa0e185bdb652339a5f915b192d29",
    "5dd1c606c262de7220512e77ffae2e8ea87aa0e185bdb652339a5f915b192d29",
    "4ac82484ebf92953be5192013d891321faa8322135acb846db723afd63a00a33",
    "4ac82484ebf92953be5192013d891321faa8322135acb846db723afd63a00a33",
    "5768e988ed1261a07ef94bf7228e7d35e3f1da88a783beb859863a953bcd1d46",
    "bba5c0368abdc7c5b8793c0da4242d73c9663c73a56932f0b402d592ef8623f0",
    "bba5c0368abdc7c5b8793c0da4242d73c9663c73a56932f0b402d592ef8623f0",
    "d8d3406cd9236cc32d20baedbcf98e59e54dbc95cac602ade9b3e8458c5968a8",
    "dfd23d7ace5a41c2663f88d67ba0f33ba60e208794a4843172f9e0c2f09367d9",
    "aece06b5034333c3a6818feedf1869be8eb52ac9a66059d96aa19ba21dacbc77",
    "27d35d050aa4e16461fc8ac2f3cd2a1823819a171e2f86bfc262a9422e0ce437",
    "27d35d050aa4e16461fc8ac2f3cd2a1823819a171e2f86bfc262a9422e0ce437",
    "63aa4118141da457cc008097bf9dd61fcbb16c01b4976c5d364e5eec29334552",
    "f3fa559747fcb84e3be03872d6b3ee170c69f79a9eb6f5b8d6ed4b0ba679dc82",
    "6bd3aa95298c20cafe70ed40a96b6ab33c3894bcf551573e3ca25d23f0720852",
    "19bb2775ba7108b48d3b397a3eaa048d12e00f3216eeae1ea067480ea6231857",
    "19bb2775ba7108b48d3b397a3eaa048d12e00f3216eeae1ea067480ea6231857",
    "d0cb0c2d6a477e20b44858411aabd776e906b8d25bb225f55543d456d510ec8b",
    "6dca17d1b647846d2e74fed6c190a5e2e67ac847b8283d4abf768024ad484809",
    "6dca17d1b647846d2e74fed6c190a5e2e67ac847b8283d4abf768024ad484809",
    "6dca17d1b647846d2e74fed6c190a5e2e67ac847b8283d4abf768024ad484809",
    "e45f288d3ce408a97020b9a67c36b4e0997e47081e10bb9bd7b9271685bc9170",
]


def check(k):
    out = run(copy.deepcopy(RECORDS), upto=k)
    got = hashlib.sha256(json.dumps(out, sort_keys=True).encode()).hexdigest()
    assert got == DIGESTS[k - 1], f"after stage {k}: {json.dumps(out)[:1500]}"


def test_step_01():
    check(1)


def test_step_02():
    check(2)


def test_step_03():
    check(3)


def test_step_04():
    check(4)


def test_step_05():
    check(5)


def test_step_06():
    check(6)


def test_step_07():
    check(7)


def test_step_08():
    check(8)


def test_step_09():
    check(9)


def test_step_10():
    check(10)


def test_step_11():
    check(11)


def test_step_12():
    check(12)


def test_step_13():
    check(13)


def test_step_14():
    check(14)


def test_step_15():
    check(15)


def test_step_16():
    check(16)


def test_step_17():
    check(17)


def test_step_18():
    check(18)


def test_step_19():
    check(19)


def test_step_20():
    check(20)


def test_step_21():
    check(21)


def test_step_22():
    check(22)


def test_step_23():
    check(23)


def test_step_24():
    check(24)


def test_step_25():
    check(25)


def test_step_26():
    check(26)


def test_step_27():
    check(27)


def test_step_28():
    check(28)


def test_step_29():
    check(29)


def test_step_30():
    check(30)


def test_step_31():
    check(31)


def test_step_32():
    check(32)


def test_step_33():
    check(33)


def test_step_34():
    check(34)


def test_step_35():
    check(35)


def test_step_36():
    check(36)


def test_step_37():
    check(37)


def test_step_38():
    check(38)


def test_step_39():
    check(39)


def test_step_40():
    check(40)


def test_step_41():
    check(41)


def test_step_42():
    check(42)


def test_step_43():
    check(43)


def test_step_44():
    check(44)


def test_step_45():
    check(45)


def test_step_46():
    check(46)


def test_step_47():
    check(47)


def test_step_48():
    check(48)


def test_step_49():
    check(49)


def test_step_50():
    check(50)


def test_step_51():
    check(51)


def test_step_52():
    check(52)


def test_step_53():
    check(53)


def test_step_54():
    check(54)


def test_step_55():
    check(55)


def test_step_56():
    check(56)


def test_step_57():
    check(57)


def test_step_58():
    check(58)


def test_step_59():
    check(59)


def test_step_60():
    check(60)


def test_step_61():
    check(61)


def test_step_62():
    check(62)


def test_step_63():
    check(63)


def test_step_64():
    check(64)
