"""Hidden tests: step k runs stages 1..k on hidden records and compares a digest of the
result with what correct stages produce."""

import copy
import hashlib
import json

from flightlog.pipeline import run

RECORDS = json.loads("[{\"airline\": \"klm\", \"fare\": 478.17, \"flight_id\": 100, \"origin\": \" bari \", \"seats\": 8}, {\"airline\": \"tap\", \"fare\": 396.66, \"flight_id\": 103, \"origin\": \"bari\", \"seats\": 11}, {\"airline\": \"lot\", \"fare\": 19.88, \"flight_id\": 101, \"origin\": \"  malaga\", \"seats\": 5}, {\"airline\": \"klm\", \"fare\": 141.11, \"flight_id\": 102, \"origin\": \" porto\", \"seats\": 9}, {\"airline\": \"tap\", \"fare\": 395.16, \"flight_id\": 103, \"origin\": \"bari\", \"seats\": 11}, {\"airline\": \"klm\", \"fare\": 88.97, \"flight_id\": 104, \"origin\": \" krakow \", \"seats\": 2}, {\"airline\": \"tap\", \"fare\": 222.7, \"flight_id\": 105, \"origin\": \" riga \", \"seats\": 15}, {\"airline\": \"klm\", \"fare\": 48.36, \"flight_id\": 106, \"origin\": \"  bergen \", \"seats\": 4}, {\"airline\": \"lot\", \"fare\": 435.42, \"flight_id\": 107, \"origin\": \"  riga \", \"seats\": 7}, {\"airline\": \"lot\", \"fare\": 5.85, \"flight_id\": 108, \"origin\": \"  BARI\", \"seats\": 7}, {\"airline\": \"sas\", \"fare\": 456.07, \"flight_id\": 109, \"origin\": \" krakow\", \"seats\": 16}, {\"airline\": \"sas\", \"fare\": 148.08, \"flight_id\": 110, \"origin\": \"  krakow\", \"seats\": 6}, {\"airline\": \"tap\", \"fare\": 278.67, \"flight_id\": 111, \"origin\": \"malaga \", \"seats\": 13}, {\"airline\": \"sas\", \"fare\": 283.47, \"flight_id\": 112, \"origin\": \" BARI \", \"seats\": 8}, {\"airline\": \"tap\", \"fare\": 41.05, \"flight_id\": 113, \"origin\": \"  malaga \", \"seats\": 19}]")
DIGESTS = [
    "e6195eeea0cd602c264aecaab046d043851273d4698e81f62c11630c69227a68",
    "ea7eda4a3a8f180aebfa0ed3e0e08cdba9d8a7857a6a25f5d48bac08769ddcfd",
    "20137ea2db049fab079cf9715e979cb4fe3db000f79bb680d898b8316e40b9be",
    "c361c9027a59b439ce7d37f13675b82a7e80cc3fe7e5dad8471b727ee4189434",
    "04943886f84e121d7aa807a9f10996da312aacee9c0080fad46a9a5f14e6f2cc",
    "50649ebd79d96ae217341df30d9d2691efa53df9a2a2f968acda2a0813105df4",
    "f832df12d4a44ef59ee2abe3ede70760e9553208285d86e5210976a22234dddc",
    "300f4f9de9e1f8a97a7ca6b68ea3ae7a1420a860f039adda99e4311414c7b38e",
    "ee4fc038ee36b11becad4f520961d7d7db2e166deb6f52cbd78e92b833ddff0d",
    "9f51a467abfe146ddc05e3706972c764db89f7d95f8d925f7519226cc5d217d4",
    "0ff76ced9c9ce60b0edb0d4bcb91b2ef1acef1af05440474773680d009d39ffb",
    "5d36bd5c7e62f95f1c75ddc611eeda3a22163ff61d126e6506a7bb80957d99bd",
    "3b49815506ff5dcf8c068bf2abd1574ff5aa2f76e74952e449e6f0272f822563",
    "5d0b0189f094f6480bd87d5085626896d095d41ec686b1a8333930f0fb373633",
    "027d894de8480967da96827cdfa57af6f095e411295ca0eef7b42f91f944465a",
    "38a79fdb88a307e24a7ff246c9384c473754de443e08ab87a6e66f5cdcdd7215",
    "e67ffdfb1ecdac8a51dc425a6c35dfa21f31709f05740a5b55e97fc2659c5c1c",
    "d4297927b0a52e42b49a9e5d2beb6eb3140d245634985c9565aaffc6479c4aa2",
    "e974ec497ae988d2d9c72417e1f6187fdd1171211502724f8021defc1c03b8ff",
    "0057dea503563fe5e101ee70bc83d27a05578e7f1881cf132e0a1fb797a9bdf6",
    "1e6b4a59e37d7c048a23b0a730d71f6e0cb84dcae1c069bcb40b905fe2c3616f",
    "8dfb67bc8be6851e531b063ce711f15dbadd91722a84c3092c4cd989475ab5f8",
    "bdb7d0d6ad0a9fdfd84ca3b0c906c292e39e5020b9def32f8a8dbd5ec7b4b80c",
    "bdb7d0d6ad0a9fdfd84ca3b0c906c292e39e5020b9def32f8a8dbd5ec7b4b80c",
    "d10ac946331c4a9ab82b55f84b01a7c61b7fdd6fff84dccf22cfd9a2c0f637d7",
    "0642c4dd00e5eba66ab8b4c0f2c65e99f5821b3e0054330e7ce2ec6da2e84a0b",
    "13f1704e231c4681ef236f525b33219556edb7ea8f245f15099403f331f78a71",
    "a60058d15cc41cf8bb1c61c9736a5629afecfc4a3779fca6d1e164384b8ae3f9",
    "161ea1d561632fdc04284396ea7a2ae9fb62a4000257a2f8d88a9e448709f1a0",
    "00ed3098a6f3130d6bd4195d241a77c2af17fce6746b7bf275b40c960ffb204e",
    "ad51bc39bf4b8c07f84c4621a1b94fe4a80939e00a05660d1a4717fc0b6178db",
    "c316291ea4091932f9b5f48c74727981702e55fcbe8cc5c6b0b8242cdfb1cbea",
    "49f8367db9205a1195bb3a0721f9bd9bdd3213565371ef7e6e96b7454916f418",
    "61940a4aa24f82882fa4b8460613a78b78ec9a3b2c6004a21cf76380fe1412cf",
    "61940a4aa24f82882fa4b8460613a78b78ec9a3b2c6004a21cf76380fe1412cf",
    "61940a4aa24f82882fa4b8460613a78b78ec9a3b2c6004a21cf76380fe1412cf",
    "7582651c24415f66ac16c27110c4b33e650f32f1bb49d3b0677dbab3dc4858b4",
    "dddef09d80855f584f5166bf2b720d7bb02047dd076b5b265466221f879f13bd",
    "ddf99cd6f693af8f38e6c1b403f666b22ec35f5ee81ca7decc5b2266592a0b8e",
    "e5098fac734b79e9ab32cc341586f248b6e643fe908e648dcf824a84850a9db5",
    "e0cff6813e83232cccb50f051d37dab90dc6c214ceaf7ab65e1413d132fcc30b",
    "c2786327ac7c44c4981561c2dbcac489df17771b0e574502bf7a9ce75c97476b",
    "4300811f74f566f64e722f1e78a33aaefd742ca6d94a21646c59dbeb7a06dcb4",
    "e298deb693aa45238ec0916192113cc1d1e00df0a550789904b47e3db37ef196",
    "3d7815902643cad442e4ec9a8dc64378379af0359b0a3d323db157eaf583361e",
    "36682c59faeb401582ac111aa28a2bea29bd672b3ba710bd3211c88cf55134ca",
    "36682c59faeb401582ac111aa28a2bea29bd672b3ba710bd3211c88cf55134ca",
    "36682c59faeb401582ac111aa28a2bea29bd672b3ba710bd3211c88cf55134ca",
    "619e84ef9de88840794dbec8f98d7c89015ae5121a3ba6379a6570d838d5e540",
    "5c898bbb4c62c053ab81640675273465f055a1f901190a8830e665fa3c40b8d8",
    "3eff397063d9b1532e509883cb65dc342932e442cdac4c83fb702c5daf170717",
    "6b183a1246e66b78bbdd13a5dc66376f35e7e5cf24407196edbf907f8248a13c",
    "706ce0b619b76a32a7bf5f19b8c3a9df01cb666d834251a3db33da4b6f4b0e34",
    "9b7202069c02b7058b6845831f8dc3dcbe909597481e82c3dcb9e9ed21417859",
    "9b7202069c02b7058b6845831f8dc3dcbe909597481e82c3dcb9e9ed21417859",
    "32b04ea782d558aa64db9fe934f9f024722c922e80342f90d053139d35940556",
    "526fad6656b77f747a314ee7cabbe05cb421b4965f30c59e1f15ac71d1f03021",
    "c682eeee1c6be7f63532c4a21176c89d14cd2cfc9b4f09d8693c2c26c6a70d4c",
    "c682eeee1c6be7f63532c4a21176c89d14cd2cfc9b4f09d8693c2c26c6a70d4c",
    "98673e6f0a3c084c502a986fa5a484ee260f90152ff67c7cbf1488e06c824b6a",
    "cd38942e5877a3da82f8e022b938567bd38d2b48f0234d027f4289650eb9dfd9",
    "cd38942e5877a3da82f8e022b938567bd38d2b48f0234d027f4289650eb9dfd9",
    "cd38942e5877a3da82f8e022b938567bd38d2b48f0234d027f4289650eb9dfd9",
    "726ecfcce533d3eb24212abaab990543dbf1f074b3f37e969f9db3441b79aa25",
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
