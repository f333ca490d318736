# Files made at build time from a program's own output, so they say what the
# program does: man pages from a hidden --man, server.conf from the server's
# option table.

# longline_generate(OUTPUT file COMMAND cmd... [DEPENDS ...] [GZIP])
# Runs COMMAND with its standard output into OUTPUT (gzip -9n with GZIP, as
# Debian installs man pages). A failing command fails the build.
function(longline_generate)
    cmake_parse_arguments(G "GZIP" "OUTPUT" "COMMAND;DEPENDS" ${ARGN})
    if(G_GZIP)
        set(script [=[set -e; out=$1; shift; "$@" > "$out.tmp"; gzip -9n < "$out.tmp" > "$out"; rm -f "$out.tmp"]=])
    else()
        set(script [=[set -e; out=$1; shift; "$@" > "$out.tmp"; mv "$out.tmp" "$out"]=])
    endif()
    add_custom_command(OUTPUT ${G_OUTPUT}
        COMMAND sh -c "${script}" sh ${G_OUTPUT} ${G_COMMAND}
        DEPENDS ${G_DEPENDS}
        VERBATIM)
endfunction()

# longline_add_man_page(NAME longline-cli COMPONENT client COMMAND cmd... [DEPENDS ...])
# Builds NAME.1.gz from `cmd --man` with the default target and installs it.
function(longline_add_man_page)
    cmake_parse_arguments(M "" "NAME;COMPONENT" "COMMAND;DEPENDS" ${ARGN})
    set(out ${CMAKE_CURRENT_BINARY_DIR}/${M_NAME}.1.gz)
    longline_generate(OUTPUT ${out} GZIP COMMAND ${M_COMMAND} --man DEPENDS ${M_DEPENDS})
    add_custom_target(${M_NAME}-man ALL DEPENDS ${out})
    install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT ${M_COMPONENT})
endfunction()
