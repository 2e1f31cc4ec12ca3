// Lists in zip archives: the list file taken out whatever else the archive holds, bad
// archives and zip bombs refused with a message, and a zipped list screened like the file.
// The archives are made by the test with Python's zipfile (/usr/bin/python3).
#include "entities/archive.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "entities/import.hpp"
#include "run_binary.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::entities {
namespace {

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class archive_test : public ::testing::Test {
 protected:
  // A zip of (name, text) members, deflated.
  std::string make_zip(const std::vector<std::pair<std::string, std::string>>& members) {
    const std::string out = dir_.file("a" + std::to_string(++n_) + ".zip");
    std::string script = "import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED)\n";
    int i = 0;
    for (const auto& [name, text] : members) {
      const std::string f = dir_.file("m" + std::to_string(n_) + "_" + std::to_string(i++));
      std::ofstream(f, std::ios::binary) << text;
      script += "z.write('" + f + "','" + name + "')\n";
    }
    script += "z.close()\n";
    std::ofstream(dir_.file("mk.py")) << script;
    const std::string cmd = "/usr/bin/python3 '" + dir_.file("mk.py") + "' '" + out + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    return slurp(out);
  }
  sanctwatch::testing::temp_dir dir_;
  int n_ = 0;
};

}  // namespace

TEST_F(archive_test, the_list_file_is_taken_out_of_the_archive) {
  const std::string xml = slurp(std::string(SANCTWATCH_TEST_DATA) + "/entities/sdn.xml");
  const std::string zip = make_zip({{"README.txt", "Published daily."}, {"SDN.XML", xml}});
  ASSERT_TRUE(is_zip(zip));
  EXPECT_FALSE(is_zip(xml));
  auto got = unzip_list(zip, "ofac-sdn-xml");
  ASSERT_TRUE(got) << got.err().message;
  EXPECT_EQ(*got, xml);
  // The only file, whatever its name.
  got = unzip_list(make_zip({{"export", "name: x"}}), "yaml");
  ASSERT_TRUE(got) << got.err().message;
  EXPECT_EQ(*got, "name: x");
  // Several candidates: the largest (the full list beside a delta).
  got = unzip_list(make_zip({{"delta.csv", "a"}, {"full.csv", "a,b,c,d"}}), "uk-csv");
  ASSERT_TRUE(got) << got.err().message;
  EXPECT_EQ(*got, "a,b,c,d");
}

TEST_F(archive_test, bad_archives_are_errors_that_say_why) {
  auto got = unzip_list(make_zip({{"a.txt", "x"}, {"b.txt", "y"}}), "eu-fsf-xml");
  ASSERT_FALSE(got);
  EXPECT_NE(got.err().message.find("no eu-fsf-xml file in the zip archive (it holds: a.txt, b.txt)"),
            std::string::npos)
      << got.err().message;
  got = unzip_list(std::string("PK\x03\x04", 4) + std::string(200, 'z'), "ofac-sdn-xml");
  ASSERT_FALSE(got);
  EXPECT_NE(got.err().message.find("cannot read the zip archive"), std::string::npos)
      << got.err().message;
  // A bomb: 64 MiB of zeros in a small archive, over the cap given.
  const std::string bomb = make_zip({{"sdn.xml", std::string(64u << 20, '\0')}});
  EXPECT_LT(bomb.size(), 1u << 20);
  got = unzip_list(bomb, "ofac-sdn-xml", 1u << 20);
  ASSERT_FALSE(got);
  EXPECT_NE(got.err().message.find("more than the 1048576"), std::string::npos)
      << got.err().message;
}

TEST_F(archive_test, a_zipped_list_screens_like_the_file) {
  const std::string xml = slurp(std::string(SANCTWATCH_TEST_DATA) + "/entities/sdn.xml");
  const std::string zip = make_zip({{"SDN.XML", xml}});
  std::ofstream(dir_.file("sdn.zip"), std::ios::binary) << zip;
  std::filesystem::create_directories(dir_.path() / "rules");
  std::ofstream(dir_.file("rules/listed.yaml"))
      << "rules:\n  - id: listed\n    title: Listed entity named\n    when: entity(@*)\n";
  std::ofstream(dir_.file("article.txt"))
      << "Title: Flights\n\nAerocaribbean Airlines added a route to Caracas this winter.\n";
  auto r = sanctwatch::testing::run_sanctwatch(
      "match --rules '" + dir_.file("rules") + "' --entities 'ofac-sdn-xml:" +
      dir_.file("sdn.zip") + "' '" + dir_.file("article.txt") + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("AEROCARIBBEAN AIRLINES"), std::string::npos) << r.out;
  // A zip without the list is a located error, not an empty list.
  std::ofstream(dir_.file("other.zip"), std::ios::binary) << make_zip({{"a.txt", "x"}, {"b.txt", "y"}});
  r = sanctwatch::testing::run_sanctwatch("match --rules '" + dir_.file("rules") +
                                          "' --entities 'ofac-sdn-xml:" + dir_.file("other.zip") +
                                          "' '" + dir_.file("article.txt") + "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("no ofac-sdn-xml file in the zip archive"), std::string::npos) << r.out;
}

}  // namespace sanctwatch::entities
