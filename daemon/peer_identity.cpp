// SPDX-License-Identifier: Apache-2.0
#include "daemon/peer_identity.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace runnerfleet::daemon {

result<peer_identity> read_peer_identity(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
    return make_error(error_code::internal, std::string("cannot read peer credentials: ") + std::strerror(errno));
  peer_identity id;
  id.uid = cred.uid;
  id.gid = cred.gid;
  id.pid = static_cast<std::uint32_t>(cred.pid);

  std::vector<char> buf(16384);
  passwd pw{};
  passwd* pw_result = nullptr;
  if (::getpwuid_r(cred.uid, &pw, buf.data(), buf.size(), &pw_result) == 0 && pw_result) {
    id.user = pw.pw_name;
    int count = 64;
    std::vector<gid_t> gids(static_cast<std::size_t>(count));
    if (::getgrouplist(pw.pw_name, cred.gid, gids.data(), &count) < 0) {
      gids.resize(static_cast<std::size_t>(count));
      ::getgrouplist(pw.pw_name, cred.gid, gids.data(), &count);
    }
    gids.resize(static_cast<std::size_t>(count));
    for (auto g : gids) id.gids.push_back(g);
  } else {
    id.user = std::to_string(cred.uid);
    id.gids.push_back(cred.gid);
  }
  for (auto g : id.gids) {
    group gr{};
    group* gr_result = nullptr;
    if (::getgrgid_r(g, &gr, buf.data(), buf.size(), &gr_result) == 0 && gr_result)
      id.groups.emplace_back(gr.gr_name);
    else
      id.groups.push_back(std::to_string(g));
  }
  return id;
}

}  // namespace runnerfleet::daemon
