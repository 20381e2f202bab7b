// The two backends as test environments, for typed test suites that run the
// same tests against SQLite and PostgreSQL.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/result.h"
#include "store/testing/postgres_server.h"

namespace cloudnet::store::test {

// A fresh SQLite file in a temporary directory per test.
class SqliteEnv {
 public:
  static constexpr const char* kName = "sqlite";
  static void SetUpTestSuite() {}
  static void TearDownTestSuite() {}

  Status SetUp() {
    std::string templ = (std::filesystem::temp_directory_path() / "cloudnet-store-XXXXXX").string();
    if (!::mkdtemp(templ.data())) return Error::io("mkdtemp failed");
    dir_ = templ;
    return Status::Ok();
  }
  ~SqliteEnv() {
    if (dir_.empty()) return;
    std::error_code ec;
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(dir_, ec);
  }

  const std::string& dir() const { return dir_; }
  std::string path() const { return dir_ + "/store.db"; }
  std::string url() const { return "sqlite:" + path(); }

  // The database, read-only: the file (and its directory, so no journal can
  // be created beside it) lose write permission, and the URL asks for
  // read-only access, since root ignores file permissions.
  Result<std::string> read_only_url() {
    ::chmod(path().c_str(), 0444);
    return url() + "?mode=ro";
  }
  Status make_writable() {
    ::chmod(path().c_str(), 0644);
    return Status::Ok();
  }

 private:
  std::string dir_;
};

// A fresh database per test on a server shared by the tests of one process
// (CTest runs each test in its own process, so usually one server per test;
// initialised clusters are cached in the build tree).
class PostgresEnv {
 public:
  static constexpr const char* kName = "postgresql";

  static void SetUpTestSuite() {
    if (server_ || start_error_) return;
    testing::PostgresServer::Options o;
    o.template_cache = std::string(CLOUDNET_BINARY_DIR) + "/store-test-pgdata";
    auto s = testing::PostgresServer::start(o);
    if (s) {
      server_ = std::move(*s).release();
    } else {
      start_error_ = new Error(s.error());
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static testing::PostgresServer* server() { return server_; }

  Status SetUp() {
    if (!server_) {
      return Error::unavailable("no PostgreSQL test server: " + (start_error_
                                                                     ? start_error_->message
                                                                     : std::string("not started")));
    }
    name_ = "t";
    name_ += std::to_string(++counter_);
    auto url = server_->create_database(name_);
    if (!url) return url.error();
    url_ = *url;
    return Status::Ok();
  }

  const std::string& name() const { return name_; }
  std::string url() const { return url_; }

  // New sessions of the database start read-only (the server refuses every
  // write with SQLSTATE 25006).
  Result<std::string> read_only_url() {
    if (Status s =
            server_->admin("ALTER DATABASE " + name_ + " SET default_transaction_read_only = on");
        !s) {
      return s.error();
    }
    return url_;
  }
  Status make_writable() {
    return server_->admin("ALTER DATABASE " + name_ + " RESET default_transaction_read_only");
  }

 private:
  static inline testing::PostgresServer* server_ = nullptr;
  static inline Error* start_error_ = nullptr;
  static inline int counter_ = 0;
  std::string name_;
  std::string url_;
};

struct BackendNames {
  template <class T>
  static std::string GetName(int) {
    return T::kName;
  }
};

using Backends = ::testing::Types<SqliteEnv, PostgresEnv>;

}  // namespace cloudnet::store::test
