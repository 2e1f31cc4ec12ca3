# Turns a Markdown page of docs/ into a man page with go-md2man: the page's own "# Title"
# line gives way to a title line and NAME (and SYNOPSIS) sections; the rest is the doc as is.
# -DMD2MAN=go-md2man -DIN=docs/x.md -DOUT=x.5 -DTITLE=X -DSECTION=5 -DVERSION=… -DNAME="x - …"
# [-DSYNOPSIS="…"] [-DSEE_ALSO="…"]
file(READ "${IN}" body)
string(REGEX REPLACE "^# [^\n]*\n" "" body "${body}")
set(page "% ${TITLE} ${SECTION} \"\" \"sanctwatch ${VERSION}\" \"sanctwatch manual\"\n\n")
string(APPEND page "# NAME\n${NAME}\n\n")
if(SYNOPSIS)
  string(APPEND page "# SYNOPSIS\n${SYNOPSIS}\n\n")
endif()
string(APPEND page "# DESCRIPTION\n${body}")
if(SEE_ALSO)
  string(APPEND page "\n# SEE ALSO\n${SEE_ALSO}\n")
endif()
file(WRITE "${OUT}.md" "${page}")
execute_process(COMMAND "${MD2MAN}" -in "${OUT}.md" -out "${OUT}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "go-md2man failed on ${IN}")
endif()
