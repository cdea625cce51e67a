#include "cairn/core/keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "cairn/core/hex.h"
#include "key_file.h"
#include "secret_test_dir.h"

namespace cairn {
namespace {

SecretKey KeyFromHex(const char* hex) { return std::move(SecretKey::FromBytes(*FromHex(hex))).value(); }

SecretKey SequenceKey(std::uint8_t first) {
  Bytes b(32);
  for (int i = 0; i < 32; ++i) b[i] = static_cast<std::uint8_t>(first + i);
  return std::move(SecretKey::FromBytes(b)).value();
}

KdfParams MinParams() {
  KdfParams p;
  p.opslimit = kKdfMinOpsLimit;
  p.memlimit = kKdfMinMemLimit;
  for (int i = 0; i < 16; ++i) p.salt[i] = static_cast<std::uint8_t>(i);
  return p;
}

TEST(SecretKeyTest, RandomFromBytesMoveAndPrint) {
  SecretKey a = SecretKey::Random();
  SecretKey b = SecretKey::Random();
  EXPECT_FALSE(a == b);
  EXPECT_TRUE(a == a.Clone());
  EXPECT_EQ(SecretKey::FromBytes(Bytes(31)).status().code(), Code::kInvalidArgument);

  SecretKey k = SequenceKey(1);
  SecretKey moved = std::move(k);
  EXPECT_EQ(moved.bytes()[0], 1);
  EXPECT_EQ(ToBytes(k.bytes()), Bytes(32, 0));  // NOLINT(bugprone-use-after-move): moved-from keys are zeroed

  std::ostringstream os;
  os << moved;
  EXPECT_EQ(os.str(), "SecretKey(redacted)");
  EXPECT_EQ(os.str().find(ToHex(moved.bytes()).substr(0, 4)), std::string::npos);
}

TEST(KdfParamsTest, RoundTripsAndHasSaneDefaults) {
  KdfParams p = NewKdfParams();
  EXPECT_EQ(p.opslimit, kKdfDefaultOpsLimit);
  EXPECT_EQ(p.memlimit, kKdfDefaultMemLimit);
  EXPECT_NE(p.salt, NewKdfParams().salt);
  EXPECT_TRUE(p.Validate().ok());
  Bytes b = p.Serialize();
  ASSERT_EQ(b.size(), kKdfParamsSize);
  auto back = KdfParams::Parse(b);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->opslimit, p.opslimit);
  EXPECT_EQ(back->memlimit, p.memlimit);
  EXPECT_EQ(back->salt, p.salt);
  EXPECT_EQ(ToHex(MinParams().Serialize()), "0101000000010000000000002000000102030405060708090a0b0c0d0e0f");
}

TEST(KdfParamsTest, ParseRefusesAbsurdOrMalformed) {
  const Bytes good = MinParams().Serialize();
  auto parse_with = [&](auto edit) {
    Bytes b = good;
    edit(b);
    return KdfParams::Parse(b).status().code();
  };
  EXPECT_EQ(parse_with([](Bytes& b) { b[0] = 2; }), Code::kCorruption);            // version
  EXPECT_EQ(parse_with([](Bytes& b) { b[1] = 2; }), Code::kCorruption);            // algorithm
  EXPECT_EQ(parse_with([](Bytes& b) { PutBE32(&b[2], 0); }), Code::kCorruption);   // opslimit 0
  EXPECT_EQ(parse_with([](Bytes& b) { PutBE32(&b[2], 65); }), Code::kCorruption);  // opslimit > 64
  EXPECT_EQ(parse_with([](Bytes& b) { PutBE32(&b[2], 64); }), Code::kOk);
  EXPECT_EQ(parse_with([](Bytes& b) { PutBE64(&b[6], (std::uint64_t{4} << 30) + 1024); }), Code::kCorruption);
  EXPECT_EQ(parse_with([](Bytes& b) { PutBE64(&b[6], std::uint64_t{4} << 30); }), Code::kOk);
  EXPECT_EQ(parse_with([](Bytes& b) { PutBE64(&b[6], ~std::uint64_t{0}); }), Code::kCorruption);
  EXPECT_EQ(parse_with([](Bytes& b) { PutBE64(&b[6], 4096); }), Code::kCorruption);      // below minimum
  EXPECT_EQ(parse_with([](Bytes& b) { PutBE64(&b[6], 8192 + 1); }), Code::kCorruption);  // not whole KiB
  EXPECT_EQ(parse_with([](Bytes& b) { b.pop_back(); }), Code::kCorruption);
  EXPECT_EQ(parse_with([](Bytes& b) { b.push_back(0); }), Code::kCorruption);
  KdfParams bad = MinParams();
  bad.opslimit = 1000;
  EXPECT_EQ(MasterKeyFromPassphrase("pw", bad).status().code(), Code::kInvalidArgument);
}

// Frozen: computed independently with Python `cryptography` (Argon2id v1.3, 1 lane, t=1, m=8 KiB).
TEST(PassphraseTest, Argon2idGoldenVectorWithMinimumLimits) {
  auto key = MasterKeyFromPassphrase("correct horse battery staple", MinParams());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(ToHex(key->bytes()), "d17ea6341ca93da6079ea2f64dc4aa31dd1aaf9caa67fb42ac4afd0714706f26");

  KdfParams p = MinParams();
  p.opslimit = 2;
  p.memlimit = 64 << 10;
  auto key2 = MasterKeyFromPassphrase("correct horse battery staple", p);
  ASSERT_TRUE(key2.ok());
  EXPECT_EQ(ToHex(key2->bytes()), "2df47ede6358ed17a9976d4fcedb897a10036d432a4acef17d263bfc98bd20ac");
}

TEST(PassphraseTest, DeterministicAndSensitiveToEveryInput) {
  KdfParams p = MinParams();
  auto a = MasterKeyFromPassphrase("passphrase", p);
  auto b = MasterKeyFromPassphrase("passphrase", p);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(*a == *b);
  EXPECT_FALSE(*a == *MasterKeyFromPassphrase("passphrasf", p));
  KdfParams other_salt = p;
  other_salt.salt[15] ^= 1;
  EXPECT_FALSE(*a == *MasterKeyFromPassphrase("passphrase", other_salt));
  EXPECT_EQ(MasterKeyFromPassphrase("", p).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(MasterKeyFromPassphrase(std::string(kMaxPassphraseSize + 1, 'x'), p).status().code(),
            Code::kInvalidArgument);
}

TEST(PassphraseTest, WrongPassphraseFailsToUnwrap) {
  KdfParams p = MinParams();
  auto master = MasterKeyFromPassphrase("right passphrase", p);
  ASSERT_TRUE(master.ok());
  SecretKey file_key = SecretKey::Random();
  auto wrapped = WrapFileKey(*master, file_key, AsBytes("file-1"));
  ASSERT_TRUE(wrapped.ok());
  auto wrong = MasterKeyFromPassphrase("wrong passphrase", p);
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(UnwrapFileKey(*wrong, *wrapped, AsBytes("file-1")).status().code(), Code::kAuthFailed);
  auto right = UnwrapFileKey(*MasterKeyFromPassphrase("right passphrase", p), *wrapped, AsBytes("file-1"));
  ASSERT_TRUE(right.ok());
  EXPECT_TRUE(*right == file_key);
}

TEST(WrapTest, RoundTripsAndBindsContext) {
  SecretKey master = SecretKey::Random();
  SecretKey file_key = SecretKey::Random();
  auto wrapped = WrapFileKey(master, file_key, AsBytes("file-1"));
  ASSERT_TRUE(wrapped.ok());
  EXPECT_EQ(wrapped->size(), kWrappedKeySize);
  auto back = UnwrapFileKey(master, *wrapped, AsBytes("file-1"));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == file_key);
  EXPECT_EQ(UnwrapFileKey(master, *wrapped, AsBytes("file-2")).status().code(), Code::kAuthFailed);
  EXPECT_EQ(UnwrapFileKey(master, *wrapped, {}).status().code(), Code::kAuthFailed);
  for (std::size_t i = 1; i < wrapped->size(); ++i) {
    Bytes bad = *wrapped;
    bad[i] ^= 0x40;
    EXPECT_EQ(UnwrapFileKey(master, bad, AsBytes("file-1")).status().code(), Code::kAuthFailed) << "byte " << i;
  }
  EXPECT_EQ(UnwrapFileKey(master, ByteSpan(*wrapped).first(60), AsBytes("file-1")).status().code(), Code::kCorruption);
  EXPECT_EQ(WrapFileKey(master, file_key, Bytes(kMaxWrapContextSize + 1)).status().code(), Code::kInvalidArgument);
}

// Frozen: computed independently with Python `cryptography` from the grammar in keys.cc.
TEST(WrapTest, GoldenWrappedKeyOpens) {
  SecretKey master = SequenceKey(0);
  Bytes wrapped = *FromHex(
      "01d0d1d2d3d4d5d6d7d8d9dadbe45fa333deb912ac30177221dfee802b79c4e9aac7915976ff9fcbeff857b2a7ff45c6a3d1d141f6672c"
      "0fff30839165");
  auto file_key = UnwrapFileKey(master, wrapped, AsBytes("file-1"));
  ASSERT_TRUE(file_key.ok()) << file_key.status().ToString();
  EXPECT_TRUE(*file_key == SequenceKey(0x80));
}

TEST(SubkeyTest, GoldenVectorAndPurposeSeparation) {
  SecretKey master = SequenceKey(0);
  auto manifest = DeriveSubkey(master, "manifest");
  ASSERT_TRUE(manifest.ok());
  EXPECT_TRUE(*manifest == KeyFromHex("0c24f58cf082e73488bb5e4a25ee7c6af97a8a727008a4289da6485df0decf62"));
  auto ids = DeriveSubkey(master, "ids");
  ASSERT_TRUE(ids.ok());
  EXPECT_FALSE(*manifest == *ids);
  EXPECT_FALSE(*manifest == master);
  EXPECT_FALSE(*DeriveSubkey(SequenceKey(1), "manifest") == *manifest);
  for (std::string_view bad : {"", "Manifest", "a b", "x/y", "\xff"}) {
    EXPECT_EQ(DeriveSubkey(master, bad).status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(DeriveSubkey(master, std::string(kMaxSubkeyPurposeSize, 'a')).ok());
  EXPECT_FALSE(DeriveSubkey(master, std::string(kMaxSubkeyPurposeSize + 1, 'a')).ok());
}

class KeyFileTest : public TempDirTest {};

TEST_F(KeyFileTest, GeneratesOwnerOnlyFileAndLoadsIt) {
  const std::string path = Path("master.key");
  auto key = GenerateKeyFile(path);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(Mode(path), 0600u);
  auto loaded = LoadKeyFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(*loaded == *key);
  EXPECT_EQ(GenerateKeyFile(path).status().code(), Code::kAlreadyExists);
  EXPECT_TRUE(*LoadKeyFile(path) == *key) << "an existing key file must never be replaced";
}

TEST_F(KeyFileTest, RefusesWorldReadableFile) {
  const std::string path = Path("master.key");
  ASSERT_TRUE(GenerateKeyFile(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto r = LoadKeyFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("0644"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("too open"), std::string::npos) << r.status().message();
}

TEST_F(KeyFileTest, RefusesWrongFormatSizeOrKind) {
  const std::string path = Path("master.key");
  SecretKey key = SequenceKey(0);
  SecretBytes good = EncodeKeyFile(KeyFileKind::kMasterKey, key);
  // Frozen format, computed independently (Python hashlib for the check value).
  EXPECT_EQ(ToHex(good.span()),
            "43524e4b45590101000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f9c6f2858");

  auto write_and_load = [&](Bytes contents) {
    std::filesystem::remove(path);
    EXPECT_TRUE(WriteSecretFile(path, contents).ok());
    return LoadKeyFile(path).status().code();
  };
  EXPECT_EQ(write_and_load(ToBytes(good.span())), Code::kOk);
  EXPECT_EQ(write_and_load(ToBytes(key.bytes())), Code::kCorruption);  // a raw 32-byte key
  Bytes longer = ToBytes(good.span());
  longer.push_back('\n');
  EXPECT_EQ(write_and_load(longer), Code::kCorruption);
  for (std::size_t i = 0; i < kKeyFileSize; ++i) {
    Bytes bad = ToBytes(good.span());
    bad[i] ^= 0x01;
    EXPECT_EQ(write_and_load(bad), Code::kCorruption) << "byte " << i;
  }
  SecretBytes identity_file = EncodeKeyFile(KeyFileKind::kIdentitySeed, key);
  EXPECT_EQ(write_and_load(ToBytes(identity_file.span())), Code::kCorruption);
  EXPECT_EQ(LoadKeyFile(Path("missing")).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace cairn
