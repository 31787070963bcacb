# Packaging: what `cmake --install` adds beyond the binary, schema, policies and
# example hooks (top-level CMakeLists.txt), and the Debian package built with CPack.
# Included from the top-level CMakeLists.txt after its install() rules:
#   include(packaging/CPackConfig.cmake)
# Build the package:  cmake --build BUILD && (cd BUILD && cpack -G DEB)
# Test it:            tests/package/deb_test.sh BUILD

include(GNUInstallDirs)

set(HOOKWARDEN_MAINTAINER "hookwarden maintainers <hookwarden@users.noreply.github.com>"
    CACHE STRING "Maintainer field of the Debian package")

# Man page: Debian installs man pages gzipped (-n: no timestamp, reproducible).
find_program(HOOKWARDEN_GZIP gzip)
set(_hw_man_source ${CMAKE_CURRENT_LIST_DIR}/hookwarden.1)
if(HOOKWARDEN_GZIP)
  set(_hw_man ${CMAKE_BINARY_DIR}/packaging/hookwarden.1.gz)
  add_custom_command(OUTPUT ${_hw_man}
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
                     COMMAND ${HOOKWARDEN_GZIP} -9 -n -c ${_hw_man_source} > ${_hw_man}
                     DEPENDS ${_hw_man_source}
                     COMMENT "Compressing the man page")
  add_custom_target(hookwarden_man ALL DEPENDS ${_hw_man})
else()
  set(_hw_man ${_hw_man_source})
endif()
install(FILES ${_hw_man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# systemd user units of the resident supervisor (docs/serve.md): enabled per user with
# `systemctl --user enable --now hookwarden.socket` (or hookwarden-http.service for
# Claude Code's http hooks), never by the package itself.
install(FILES ${CMAKE_CURRENT_LIST_DIR}/systemd/hookwarden.socket ${CMAKE_CURRENT_LIST_DIR}/systemd/hookwarden.service
              ${CMAKE_CURRENT_LIST_DIR}/systemd/hookwarden-http.service
        DESTINATION lib/systemd/user)

# Documentation.
set(_hw_docs ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/docs/protocol.md ${CMAKE_SOURCE_DIR}/docs/serve.md
    ${CMAKE_SOURCE_DIR}/policies/README.md)
foreach(doc ${_hw_docs})
  if(EXISTS ${doc})
    get_filename_component(_name ${doc} NAME)
    get_filename_component(_dir ${doc} DIRECTORY)
    get_filename_component(_dir ${_dir} NAME)
    if(_name STREQUAL "README.md" AND NOT doc STREQUAL "${CMAKE_SOURCE_DIR}/README.md")
      set(_name "${_dir}-README.md")
    endif()
    install(FILES ${doc} DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME ${_name})
  endif()
endforeach()

# ---- CPack: Debian package
set(CPACK_PACKAGE_NAME hookwarden)
set(CPACK_PACKAGE_VENDOR "hookwarden")
set(CPACK_PACKAGE_CONTACT "${HOOKWARDEN_MAINTAINER}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "supervisor for AI coding agent hooks (cgroup limits, breakers, reports)")
set(CPACK_PACKAGE_DESCRIPTION
    "hookwarden is configured as the hook command of AI coding agents such as Claude Code.
It runs each hook in its own cgroup with enforced wall-time, memory, process and CPU
limits, kills the whole process tree on timeout, applies circuit breakers and a
fail-open or fail-closed degradation policy, records latency, CPU and peak memory of
every run, and turns the records into per-hook reports and a CI gate.
`hookwarden install --agent claude` wraps the hooks of an existing settings file.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/build[^/]*/" "/\\\\.git/" "/node_modules/")

set(CPACK_DEBIAN_PACKAGE_NAME hookwarden)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # hookwarden_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${HOOKWARDEN_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/hookwarden/hookwarden")
# Depends: computed by dpkg-shlibdeps from the binary's shared libraries (none for the
# default static build; a -DHOOKWARDEN_STATIC=OFF build gets libc6 and libcgroup2).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Example hooks are Python and shell scripts; cgroup-tools helps `doctor` users inspect cgroups.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3, cgroup-tools")
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)

include(CPack)
