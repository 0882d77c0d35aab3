"""Jinja2 environment and ``render()``: the whole page, or one named block for htmx."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_eval_context,
    select_autoescape,
)
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.nodes import EvalContext
from litestar import Request, Response
from litestar.enums import MediaType
from machi_sdk.web import is_htmx
from markupsafe import Markup, escape

from shell.settings import ROOT
from shell.web import i18n
from shell.web.home import section_templates

SHELL_DIR = ROOT / "shell"


class _TranslatedTexts(Extension):
    """Folds ``_("literal")`` into its translation when the template is compiled, in an
    environment kept for one language (:func:`environment`): a page shows some thirty such texts,
    and each call costs more than the rest of the text around it. ``_("literal", name=value)``
    becomes its translation formatted by a filter (:func:`_formatted`), with no call through the
    template context. ``_()`` of anything but one string literal is left to run at render time."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        locale = self.environment.folded_locale  # type: ignore[attr-defined]
        tokens = list(stream)
        depth = 0  # of parentheses
        closes: list[int] = []  # depths at which a folded call's own parenthesis closes
        index = 0
        while index < len(tokens):
            token = tokens[index]
            before = tokens[index - 1] if index else None
            name, opened, text, after = (tokens[index : index + 4] + [None] * 4)[:4]
            if (
                name is not None
                and name.test("name:_")
                and (before is None or before.type != "dot")
                and opened is not None
                and opened.type == "lparen"
                and text is not None
                and text.type == "string"
                and after is not None
                and after.type in ("rparen", "comma")
            ):
                line = name.lineno
                if after.type == "rparen":
                    yield from _constant(line, i18n.markup_in(locale, text.value))
                else:
                    # ``_("text", n=v)`` as ``("translation"|_formatted(n=v))``: the call's own
                    # closing parenthesis ends the filter's arguments, and one more follows it
                    translation = i18n.translation_in(locale, text.value)
                    yield from [Token(line, "lparen", "("), Token(line, "string", translation),
                                Token(line, "pipe", "|"), Token(line, "name", FORMATTED),
                                Token(line, "lparen", "(")]  # fmt: skip
                    depth += 1
                    closes.append(depth)
                index += 4
                continue
            yield token
            if token.type == "lparen":
                depth += 1
            elif token.type == "rparen":
                if closes and closes[-1] == depth:
                    closes.pop()
                    yield Token(token.lineno, "rparen", ")")
                depth -= 1
            index += 1


def _constant(lineno: int, text: Markup) -> list[Token]:
    """``("text"|safe)``: markup the compiler writes into the page as it is."""
    return [Token(lineno, "lparen", "("), Token(lineno, "string", str(text)),
            Token(lineno, "pipe", "|"), Token(lineno, "name", "safe"),
            Token(lineno, "rparen", ")")]  # fmt: skip


FORMATTED = "_formatted"  # the filter a folded ``_("text", name=value)`` becomes


@pass_eval_context
def _formatted(eval_ctx: EvalContext, text: str, **variables: Any) -> str:
    """A translation (from our catalogs, so markup) with its ``%(name)s`` placeholders filled,
    the values escaped when autoescaping: what :func:`_gettext` gives for the same call."""
    if not eval_ctx.autoescape:
        return text % variables
    return Markup(text % {name: escape(value) for name, value in variables.items()})  # noqa: S704


# Partials the layout (web/base.html) includes on every page, compiled into it instead: each
# {% include %} makes a new template context, which costs more than these partials themselves.
# They are still templates of their own (the live banner and badge are rendered alone).
INLINED_PARTIALS = frozenset(
    {"disaster/_banner_slot.html", "disaster/_banner.html", "notifications/_badge.html"}
)
# The home page's sections (shell.web.home): a template made from the registered ones, each
# included by name, so that they can be compiled into the home page like the partials above.
SECTIONS = "web/_sections.html"
_INCLUDE = re.compile(r'\{%(-?)\s*include\s+"([^"]+)"\s*(-?)%\}')


def _sections_source() -> str:
    """Each section shown by the template registered for it, named in the source (a template
    registered after this source was read is included by the name the section carries)."""
    branches = "".join(
        f'{{% {"if" if n == 0 else "elif"} section.template == "{name}" %}}{{% include "{name}" %}}'
        for n, name in enumerate(section_templates())
    )
    chosen = (
        f"{branches}{{% else %}}{{% include section.template %}}{{% endif %}}"
        if branches
        else "{% include section.template %}"
    )
    return (
        "{% for section in sections %}\n"
        f"  {{% with section_context = section.context %}}{chosen}{{% endwith %}}\n"
        "{% endfor %}\n"
    )


class _ShellLoader(BaseLoader):
    """The shell's template folders, and the home page's :data:`SECTIONS`."""

    def __init__(self, folders: BaseLoader) -> None:
        self.folders = folders

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Any]:
        if template == SECTIONS:
            return _sections_source(), None, lambda: True
        return self.folders.get_source(environment, template)


class _InliningLoader(BaseLoader):
    """Replaces ``{% include "partial" %}`` of :data:`INLINED_PARTIALS`, of the home page's
    sections and of their registered templates with the partial's text, in a ``{% with %}``
    scope (what it sets stays its own, as in an include); the whitespace rules apply as they did
    around the include tag. An error inside a partial is reported at its place in the including
    template."""

    def __init__(self, inner: BaseLoader) -> None:
        self.inner = inner

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Any]:
        source, filename, uptodate = self.inner.get_source(environment, template)
        return self._inline(environment, source), filename, uptodate

    def _inline(self, environment: Environment, source: str) -> str:
        inlined = INLINED_PARTIALS | {SECTIONS, *section_templates()}

        def replace(include: re.Match[str]) -> str:
            name = include.group(2)
            if name not in inlined:
                return include.group(0)
            partial = self.inner.get_source(environment, name)[0]
            partial = self._inline(environment, partial.removesuffix("\n"))  # as Jinja drops it
            return f"{{%{include.group(1)} with %}}{partial}{{% endwith {include.group(3)}%}}"

        return _INCLUDE.sub(replace, source)


class _Environment(Environment):
    """Each template's globals as one plain dict, not a ``ChainMap`` over the environment's:
    Jinja copies a template's globals into every new render context, and copying a ``ChainMap``
    looks up each of its keys through both maps (a tenth of a page's rendering). The globals are
    all set before any template is loaded (:func:`environment`), as Jinja asks."""

    def make_globals(self, d: Mapping[str, Any] | None) -> dict[str, Any]:  # type: ignore[override]
        return {**self.globals, **(d or {})}


@cache
def environment(locale: str | None = None) -> Environment:
    """The shell's templates; with ``locale``, those whose ``_("literal")`` texts are already in
    that language (one environment, and one compiled copy of each template, per language), with
    the layout's partials and the home page's sections compiled in (:class:`_InliningLoader`)."""
    folders = sorted(p for p in SHELL_DIR.glob("*/templates") if p.is_dir())
    loader = _ShellLoader(ChoiceLoader([FileSystemLoader(str(p)) for p in folders]))
    extensions: list[Any] = ["jinja2.ext.i18n"]
    if locale is not None:
        extensions.append(_TranslatedTexts)
    env = _Environment(
        loader=loader if locale is None else _InliningLoader(loader),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        undefined=StrictUndefined,
        extensions=extensions,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # read once per process: no file checks on every page
        # a plain dict of the compiled templates (the shell's are a fixed set), not Jinja's LRU
        # cache, which takes a lock and moves the key to the end of its queue on every lookup
        cache_size=-1,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
    )
    env.globals["_"] = _gettext  # what `_()` does with newstyle gettext, in one call, not three
    env.extend(folded_locale=locale)  # what _TranslatedTexts folds the texts into
    env.filters[FORMATTED] = _formatted
    env.filters["yen"] = i18n.format_yen
    env.filters["day"] = i18n.format_day
    env.filters["moment"] = i18n.format_moment
    env.filters["number"] = i18n.format_number
    env.globals["LANGUAGES"] = i18n.LANGUAGES
    # ``path is startingwith "/inbox"``: a test is called as it is, a method through the context
    env.tests["startingwith"] = str.startswith
    return env


def _page_environment() -> Environment:
    """The current language's environment; the unfolded one while a test collects the texts the
    catalogs lack (i18n.collect_missing), which it learns of as each page looks them up."""
    if i18n.collecting_missing():
        return environment()
    return environment(i18n.get_locale())


@pass_eval_context
def _gettext(eval_ctx: EvalContext, message: str, **variables: Any) -> str:
    """Jinja's newstyle ``_()``: the translation, as markup when autoescaping, always formatted
    with ``variables`` (escaped). Jinja's own goes through two more context calls per string, and a
    page has some thirty strings."""
    if not variables and eval_ctx.autoescape:
        return i18n.gettext_markup(message)
    text = i18n.gettext(message)
    if eval_ctx.autoescape:
        return Markup(text) % variables  # type: ignore[no-any-return]  # noqa: S704 (our catalogs)
    return text % variables


def render_to_string(
    request: Request[Any, Any, Any],
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    block: str | None = None,
) -> str:
    from shell.web.context import base_context  # the context reads the session: import late

    tmpl = _page_environment().get_template(template)
    full = {**base_context(request), **(context or {})}
    if block is None:
        body = tmpl.render(full)
    else:
        body = "".join(tmpl.blocks[block](tmpl.new_context(full)))
    if full["display"].furigana and i18n.current_language().japanese:
        from shell.translation.furigana import annotate_html  # the analyser loads on first use

        body = annotate_html(body, i18n.get_locale())
    return body


def render(
    request: Request[Any, Any, Any],
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response[str]:
    """Render ``template``; for an htmx request, only ``block`` (when one is named).

    Every response says ``Vary: HX-Request`` so that no cache hands a fragment to a full load.
    """
    chosen = block if block and is_htmx(request) else None
    body = render_to_string(request, template, context, block=chosen)
    return Response(
        body,
        media_type=MediaType.HTML,
        status_code=status_code,
        headers={"Vary": "HX-Request", **(headers or {})},
    )
