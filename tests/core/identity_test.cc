#include "cairn/core/identity.h"

#include <gtest/gtest.h>

#include <sstream>

#include "cairn/core/hex.h"
#include "secret_test_dir.h"

namespace cairn {
namespace {

// RFC 8032, section 7.1, tests 1 and 2.
TEST(IdentityTest, MatchesRfc8032Vectors) {
  auto id = Identity::FromSeed(*FromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(ToHex(id->public_key()), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(ToHex(id->Sign({})),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f05"
            "95bbe24655141438e7a100b");

  auto id2 = Identity::FromSeed(*FromHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
  ASSERT_TRUE(id2.ok());
  EXPECT_EQ(ToHex(id2->public_key()), "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  Bytes msg = {0x72};
  EXPECT_EQ(ToHex(id2->Sign(msg)),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eae"
            "b4302aeeb00d291612bb0c00");
  EXPECT_EQ(Identity::FromSeed(Bytes(31)).status().code(), Code::kInvalidArgument);
}

TEST(IdentityTest, SignaturesVerifyAndFailOnAnyFlip) {
  Identity id = Identity::Generate();
  EXPECT_NE(id.public_key(), Identity::Generate().public_key());
  const Bytes msg = ToBytes(AsBytes("deal proposal: shard 1, 30 epochs"));
  const Ed25519Signature sig = id.Sign(msg);
  ASSERT_TRUE(VerifySignature(id.public_key(), msg, sig));
  for (std::size_t i = 0; i < msg.size(); ++i) {
    Bytes bad = msg;
    bad[i] ^= 0x01;
    EXPECT_FALSE(VerifySignature(id.public_key(), bad, sig)) << "message byte " << i;
  }
  for (std::size_t i = 0; i < sig.size(); ++i) {
    for (std::uint8_t mask : {0x01, 0x80}) {
      Ed25519Signature bad = sig;
      bad[i] ^= mask;
      EXPECT_FALSE(VerifySignature(id.public_key(), msg, bad)) << "signature byte " << i << " mask " << int{mask};
    }
  }
  for (std::size_t i = 0; i < id.public_key().size(); ++i) {
    for (std::uint8_t mask : {0x01, 0x80}) {
      Ed25519PublicKey bad = id.public_key();
      bad[i] ^= mask;
      EXPECT_FALSE(VerifySignature(bad, msg, sig)) << "public key byte " << i << " mask " << int{mask};
    }
  }
  EXPECT_FALSE(VerifySignature(ByteSpan(id.public_key()).first(31), msg, sig));
  EXPECT_FALSE(VerifySignature(id.public_key(), msg, ByteSpan(sig).first(63)));
  EXPECT_FALSE(VerifySignature(id.public_key(), Bytes(msg.begin(), msg.end() - 1), sig));
}

TEST(IdentityTest, PrintsOnlyThePublicKey) {
  auto id = Identity::FromSeed(Bytes(32, 0x11));
  ASSERT_TRUE(id.ok());
  std::ostringstream os;
  os << *id;
  EXPECT_EQ(os.str(), "Identity(" + ToHex(id->public_key()) + ")");
  EXPECT_EQ(os.str().find("1111111111"), std::string::npos);
}

class IdentityFileTest : public TempDirTest {};

TEST_F(IdentityFileTest, SavesOwnerOnlyAndLoads) {
  const std::string path = Path("identity");
  Identity id = Identity::Generate();
  ASSERT_TRUE(id.Save(path).ok());
  EXPECT_EQ(Mode(path), 0600u);
  auto loaded = Identity::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->public_key(), id.public_key());
  const Bytes msg = {1, 2, 3};
  EXPECT_EQ(loaded->Sign(msg), id.Sign(msg));
  EXPECT_EQ(Identity::Generate().Save(path).code(), Code::kAlreadyExists);

  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  EXPECT_EQ(Identity::Load(path).status().code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace cairn
