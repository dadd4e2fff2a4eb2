# CrmPackage.cmake: the Debian packages crm-server and crm-client (issue
# 20), by CPack's DEB generator; tools/package runs it. Included last by
# the top CMakeLists.txt (it installs targets made in other folders).
#
#   crm-server  crmd, crm-check, the systemd unit (/lib/systemd/system),
#               /etc/default/crmd, the sshd drop-in for the crm account
#               (/etc/ssh/sshd_config.d/crm.conf), crmd.8 and
#               crm-check.1; postinst makes the crm account and
#               /var/lib/crm
#   crm-client  crm and crm.1
#
# Both are installs of components "server" and "client"; everything else
# `cmake --install` installs (crm-gen, the unit's copy in share/) is in
# no package. Depends come from dpkg-shlibdeps over the binaries, plus
# what it cannot see (crm loads libxlsxwriter with dlopen; the
# maintainer scripts use useradd).

set(pkg_dir ${CMAKE_BINARY_DIR}/package)
file(MAKE_DIRECTORY ${pkg_dir})

# The unit with this install's crmd instead of /usr/local/bin's.
file(READ ${CMAKE_SOURCE_DIR}/tools/crmd.service unit)
string(REPLACE "/usr/local/bin/crmd" "${CMAKE_INSTALL_FULL_BINDIR}/crmd"
       unit "${unit}")
file(GENERATE OUTPUT ${pkg_dir}/crmd.service CONTENT "${unit}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${CMAKE_SOURCE_DIR}/tools/crmd.service)

# Man pages compressed, as Debian ships them (gzip -n: reproducible).
set(man_gz "")
foreach(page crmd.8 crm-check.1 crm.1)
  add_custom_command(
    OUTPUT ${pkg_dir}/${page}.gz
    COMMAND gzip -9n -c ${CMAKE_SOURCE_DIR}/tools/man/${page}
            > ${pkg_dir}/${page}.gz
    DEPENDS ${CMAKE_SOURCE_DIR}/tools/man/${page}
    COMMENT "gzip ${page}")
  list(APPEND man_gz ${pkg_dir}/${page}.gz)
endforeach()
add_custom_target(crm_package_man ALL DEPENDS ${man_gz})

# ---------------------------------------------------------------- server
install(TARGETS crmd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        COMPONENT server EXCLUDE_FROM_ALL)
if(TARGET crm-check)
  install(TARGETS crm-check RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          COMPONENT server EXCLUDE_FROM_ALL)
endif()
install(FILES ${pkg_dir}/crmd.service DESTINATION /lib/systemd/system
        COMPONENT server EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_SOURCE_DIR}/tools/debian/crmd.default
        DESTINATION /etc/default RENAME crmd
        COMPONENT server EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_SOURCE_DIR}/tools/ssh/crm.conf
        DESTINATION /etc/ssh/sshd_config.d
        COMPONENT server EXCLUDE_FROM_ALL)
install(FILES ${pkg_dir}/crmd.8.gz
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
        COMPONENT server EXCLUDE_FROM_ALL)
install(FILES ${pkg_dir}/crm-check.1.gz
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        COMPONENT server EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_SOURCE_DIR}/tools/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/crm-server
        COMPONENT server EXCLUDE_FROM_ALL)

# ---------------------------------------------------------------- client
install(TARGETS crm RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        COMPONENT client EXCLUDE_FROM_ALL)
install(FILES ${pkg_dir}/crm.1.gz
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        COMPONENT client EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_SOURCE_DIR}/tools/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/crm-client
        COMPONENT client EXCLUDE_FROM_ALL)

# ---------------------------------------------------------------- CPack
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME crm)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "crm maintainers <crm@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL server client)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.invalid/crm")

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME crm-server)
set(CPACK_COMPONENT_SERVER_DESCRIPTION
    "customer follow-up for sales teams: the server (crmd)\n\
crmd keeps customers, contacts, follow-ups and tasks in LMDB and serves\n\
the crm shell over nanomsg on loopback. Reps reach it from their laptops\n\
with `crm --server ssh://crm@HOST`; `crmd remote-key add` admits their\n\
keys, restricted to crmd's ports.")
# useradd/groupadd/usermod in postinst.
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_SERVER_PACKAGE_RECOMMENDS "openssh-server")
set(CPACK_DEBIAN_SERVER_PACKAGE_SUGGESTS "crm-client")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/tools/debian/postinst
    ${CMAKE_SOURCE_DIR}/tools/debian/prerm
    ${CMAKE_SOURCE_DIR}/tools/debian/postrm
    ${CMAKE_SOURCE_DIR}/tools/debian/conffiles)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_CLIENT_PACKAGE_NAME crm-client)
set(CPACK_COMPONENT_CLIENT_DESCRIPTION
    "customer follow-up for sales teams: the shell (crm)\n\
crm is the readline shell and scripting client of a crmd server: local,\n\
or remote through OpenSSH with `crm --server ssh://crm@HOST`.")
# sheet.c loads libxlsxwriter with dlopen (.xlsx export), which
# dpkg-shlibdeps cannot see.
crm_soname(xlsx_so xlsxwriter "${XLSXWRITER_LINK_LIBRARIES}")
string(REGEX REPLACE "^lib(.*)\\.so\\.([0-9]+)$" "lib\\1\\2" xlsx_pkg
       "${xlsx_so}")
if(xlsx_pkg STREQUAL xlsx_so OR xlsx_pkg STREQUAL "")
  set(xlsx_pkg libxlsxwriter4)
endif()
set(CPACK_DEBIAN_CLIENT_PACKAGE_DEPENDS "${xlsx_pkg}")
set(CPACK_DEBIAN_CLIENT_PACKAGE_RECOMMENDS "openssh-client")

include(CPack)
