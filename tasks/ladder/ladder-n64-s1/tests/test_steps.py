"""Hidden tests: step k runs stages 1..k on hidden records and compares a digest of the
result with what correct stages produce."""

import copy
import hashlib
import json

from parcelflow.pipeline import run

RECORDS = json.loads("[{\"carrier\": \"fedex\", \"destination\": \"  LYON\", \"parcels\": 13, \"shipment_id\": 100, \"weight_kg\": 22.81}, {\"carrier\": \"gls\", \"destination\": \" turin \", \"parcels\": 3, \"shipment_id\": 101, \"weight_kg\": 223.8}, {\"carrier\": \"dhl\", \"destination\": \" oslo \", \"parcels\": 5, \"shipment_id\": 102, \"weight_kg\": 457.31}, {\"carrier\": \"dhl\", \"destination\": \" lyon\", \"parcels\": 16, \"shipment_id\": 103, \"weight_kg\": 91.04}, {\"carrier\": \"ups\", \"destination\": \"oslo\", \"parcels\": 5, \"shipment_id\": 104, \"weight_kg\": 329.06}, {\"carrier\": \"dhl\", \"destination\": \"turin\", \"parcels\": 9, \"shipment_id\": 105, \"weight_kg\": 457.68}, {\"carrier\": \"dhl\", \"destination\": \"  oslo\", \"parcels\": 2, \"shipment_id\": 106, \"weight_kg\": 489.49}, {\"carrier\": \"fedex\", \"destination\": \" ghent \", \"parcels\": 14, \"shipment_id\": 107, \"weight_kg\": 263.69}, {\"carrier\": \"gls\", \"destination\": \"GRAZ \", \"parcels\": 18, \"shipment_id\": 108, \"weight_kg\": 76.56}, {\"carrier\": \"gls\", \"destination\": \"  lyon\", \"parcels\": 1, \"shipment_id\": 109, \"weight_kg\": 160.68}, {\"carrier\": \"gls\", \"destination\": \" graz \", \"parcels\": 17, \"shipment_id\": 110, \"weight_kg\": 68.86}, {\"carrier\": \"gls\", \"destination\": \"  LISBON\", \"parcels\": 4, \"shipment_id\": 111, \"weight_kg\": 161.91}, {\"carrier\": \"ups\", \"destination\": \"  GHENT \", \"parcels\": 19, \"shipment_id\": 112, \"weight_kg\": 437.77}, {\"carrier\": \"fedex\", \"destination\": \" ghent \", \"parcels\": 14, \"shipment_id\": 107, \"weight_kg\": 265.19}, {\"carrier\": \"gls\", \"destination\": \"  lyon \", \"parcels\": 4, \"shipment_id\": 113, \"weight_kg\": 432.22}]")
DIGESTS = [
    "9b267867cc74b74bb5b5833cb3fe5b951b2048d97b7497030d7f179c1300a6e6",
    "9f06ee560e6364448baf3432a4552d21b1ca2aad931df858f3465cd08326531b",
    "aff2fcfa02214b7a459defdda80e3218351a3f1bcb0e9eb8d8befd3a657968d9",
    "fc3a197abf9fdd9cde85ec85af38a3f11e0c3a18f76a2ce4846b36aeb5a739dc",
    "520407d5e3bb172df1818272dacc8badad6463b1082df7c9d82cd6f792aae1c5",
    "9dbcb276f71efb3018a9e212fcd66b57d037e2d665c4cefa1c3d0a12face1720",
    "7d804eb8cfdb049d9db9cadc34253efafda766399334de6b092f64495197d6bc",
    "6da5c51fb342752adfdd3da7d1633d5c8809af8ba8c8dcbc5e1515328839882d",
    "07d76bd9dceae578a6745dafc49e5fc8ce6540203ec5e9a8dc6e17971b343f8d",
    "50ee425da8894001274bd40818cefa15168cbd28c38a3c46636e7abf71429c05",
    "5ebdcd9ec5d2fbcca6e9aee3f24589080b56df96df6b6da445afa64bfbea10d8",
    "ba498d9492c291d7835a78067c5d1d530d1a715f4faab4382e246e20381b7902",
    "2fa0f5c8905862d61845586386f7dda06d15e37519f9ac5230a21d5551b1f355",
    "49e416c79da57cec49dde3238563d77e20ac985434c46f0dd81a447e923af75b",
    "49e416c79da57cec49dde3238563d77e20ac985434c46f0dd81a447e923af75b",
    "49e416c79da57cec49dde3238563d77e20ac985434c46f0dd81a447e923af75b",
    "e1fdd11f027d9b3728e85da9a65b7abc7e66ed8eff4abf25070fad6c4e2e6188",
    "febab7f1a770272997da009c4c2feb738ff92f611d6f763e2298d29be0855a2c",
    "be7d078d07f29aba143abacc4be9623bdfc045d287e1416b5fad251c3f09b19f",
    "be7d078d07f29aba143abacc4be9623bdfc045d287e1416b5fad251c3f09b19f",
    "be7d078d07f29aba143abacc4be9623bdfc045d287e1416b5fad251c3f09b19f",
    "427ba1039623c4a0c709349e1a2d51c11aa0794b958d6332ba7a208ff1d1225c",
    "021add42d26f0a10a4074a42a1dfc447ef8c576f4865af9d8242c0d85f05aa0d",
    "f074177776dec6a3a69aa5ab5b84d89e3300dd23e430d645205e4dfd12b7f0d3",
    "2c3b65dd442d7aa93bfdbab27c3bf055984589e79bd3588512847e09d48a74ae",
    "d1de9f587c10a12d5cb5dbc52cdc4e6e61018e3909d5b782339edccd7d13f77f",
    "140a032e8ab27ab34f84ff82937b79d580ca0b0879b953e74cd3f76580fd9dd8",
    "b5a728e50404e364f61c9e77d31a802cda9162c0c6096e21c8699459b721b626",
    "92e0153704303682edf7be0e4d0728c4986369c145316e330c37b55fb8f93b3f",
    "92e0153704303682edf7be0e4d0728c4986369c145316e330c37b55fb8f93b3f",
    "92e0153704303682edf7be0e4d0728c4986369c145316e330c37b55fb8f93b3f",
    "02d9f1d7427c9ae6308a72850e2b11e33a44f04fe9217f4ed91437fd17376bc0",
    "02d9f1d7427c9ae6308a72850e2b11e33a44f04fe9217f4ed91437fd17376bc0",
    "8f5ea065ace76b8030df943dd7e3cb11efcd1ea2322f6636ada4ed6edf1a16ba",
    "8f5ea065ace76b8030df943dd7e3cb11efcd1ea2322f6636ada4ed6edf1a16ba",
    "fb92dd332b6e7f83cbfbe19c2bafa4f4a93a92b06576e13f9c2eca15947e8f10",
    "76a66f8fccc24cda3c1aae0b62280b569b0e4bbf82eb3dcf067ad68dd993da8a",
    "02226d68c6f2e29332f68c4d485dbe5ebaca36ec91432df3ee3fc33453e0129a",
    "234173ae9b29d3f24370c0df9a2d76fc39a6fe5a34e4fae26448ec4d23c8d085",
    "e8aeb2a0d7d4ef764ffd9ac56c37b9ce58bdae55733689be9ba74d48a455810a",
    "4019920632d6675763caa86e2e8b1ffd8d45c949bd51826f248c31ed2bf26f8e",
    "3b4d05dabc0df39d49407c6d2c75764dc670d106177e0eab4374fa99a1902ef9",
    "306d9cccd0390b06b764f446caccbcda9b9893f3ca344e9b3ba34994f33dca07",
    "306d9cccd0390b06b764f446caccbcda9b9893f3ca344e9b3ba34994f33dca07",
    "91dd439d088b9af9bcbb18f25bb27573b0d45a0da9cd838093cc0bc21febf5ae",
    "d4650f0f992b511ed5a6758bf2873f10f2d36764ab9368ec48948ac8b322c98a",
    "1df825297eb9037dee533d66b6cc8c305c99120347eaf89cd5942ee0cf0b2d5a",
    "d2a1c2a648cf16d3d18de024f010fa0c1704a39706df10716ae5f71aec26dc46",
    "e5eb3c139c81dc00cd69ad1d69829f2484fce150e30927eeab29b990420b513c",
    "1e01a979ded94b55c9612500f572eece60a0d209a75d13fe43f3fabd2c1972f1",
    "b33cd495524299af7fa631c943da236f6d216c0ce1b191864a12e6c081e1e3f4",
    "b33cd495524299af7fa631c943da236f6d216c0ce1b191864a12e6c081e1e3f4",
    "fc59e5a1ba01828e762e9b894ce9a40f530f2206bbfd62a35bcaa1ec39275925",
    "2df8861da3955438e138215d0dbaa78767a8c057997d3d6fa088a3dd3172e174",
    "7ce3847c415d9551447cd45ba9bf2059006771d970328117c66656edf08b5610",
    "9b2c6f0234b7c2e5f4130696b86cfdd8c4b038b00d6f86e773dcb31644cd9bd1",
    "9b2c6f0234b7c2e5f4130696b86cfdd8c4b038b00d6f86e773dcb31644cd9bd1",
    "9b2c6f0234b7c2e5f4130696b86cfdd8c4b038b00d6f86e773dcb31644cd9bd1",
    "e63f10f7f573e0568995a1cb2d1081caaf9d3552ff054fc9382c9c971b71778b",
    "e63f10f7f573e0568995a1cb2d1081caaf9d3552ff054fc9382c9c971b71778b",
    "d2fe5aa56df566ef36bb9d3cc1955e86d1a5228c2c11f8aece9215af1055b2c8",
    "61af15b2b8157aaf49d373b372b9ef5bfb7c3a5693cd79206f8475d689173eed",
    "be6922e3d3ef200be255b355175c173cc4868c2e3cc390a68c85ae4046fb462e",
    "0c295d8e323d1512bbc9be20e6f4866a4f5a6a6739db36b289a1806a18019aec",
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
