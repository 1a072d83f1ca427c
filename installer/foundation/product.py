"""The product identity: which tool doorstep is installing and asking consent for.

Everything that names the tool (command, folders, environment variables, endpoint,
default policy, its own events) comes from one product file. doorstep's own is
``product.toml`` in this package; an adopting tool ships ``doorstep.toml`` in its own
package and names that package in the entry-point group ``doorstep.products``.

    schema_version = 1
    [product]            name, display_name, env_prefix, package, command, endpoint,
                         policy, precheck, docs_url, purpose
    [usage]              commands = [...]   (counted in daily rollups)
    [events.NAME]        the tool's own events, in the schema's syntax

A file with a mistake is one ProductError naming the file and the field. The events
are checked against the schema by ``doorstep.events.schema.for_product``.
"""

from __future__ import annotations

import os
import sys

from doorstep.foundation import jsonread, pathtext, tomlread
from doorstep.foundation.errors import ProductError
from doorstep.foundation.frozen import Frozen
from doorstep.foundation.memo import Memo

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any, Optional, Union

POLICIES = ("ask", "notice", "off")
ENTRY_POINTS = "doorstep.products"
FILE_NAMES = ("doorstep.toml", "product.toml")  # an adopting tool's, then doorstep's own
FORMAT_VERSION = 1
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGIT = frozenset("0123456789")
# (first character, the others, most characters): ^[a-z][a-z0-9-]{0,39}$ and so on,
# checked without ``re`` (it imports enum and functools: a start pays some 5 ms).
_NAME = (_LOWER, _LOWER | _DIGIT | {"-"}, 40)
_PREFIX = (_UPPER, _UPPER | _DIGIT | {"_"}, 40)
_COMMAND = (_LOWER, _LOWER | _DIGIT | {"_"}, 40)
_PACKAGE = (_LOWER | _UPPER | _DIGIT, _LOWER | _UPPER | _DIGIT | set("._-"), 100)
_USAGE = (_LOWER, _LOWER | _DIGIT | set("_.:-"), 64)
_TEXT = ("name", "display_name", "env_prefix", "package", "endpoint", "policy", "docs_url")
_OPTIONAL_TEXT = ("command", "purpose")
_KNOWN = (*_TEXT, *_OPTIONAL_TEXT, "precheck")
_DEFAULT_PURPOSE = "so its makers learn how it is used and what to fix first"
_MAX_FILE_BYTES = 256 * 1024

_active: Optional[Product] = None


class Product(Frozen):
    _fields = (
        "name",
        "display_name",
        "env_prefix",
        "package",
        "endpoint",
        "policy",
        "docs_url",
        "command",
        "precheck",
        "purpose",
        "usage",  # commands counted in daily rollups
        "events_json",  # the tool's own [events] tables, as canonical JSON
        "origin",  # the file it was read from; not compared
    )
    __slots__ = _fields
    _compared = _fields[:-1]

    name: str
    display_name: str
    env_prefix: str
    package: str
    endpoint: str
    policy: str
    docs_url: str
    command: str
    precheck: bool
    purpose: str
    usage: tuple[str, ...]
    events_json: str
    origin: str

    def __init__(
        self,
        name: str,
        display_name: str,
        env_prefix: str,
        package: str,
        endpoint: str,
        policy: str,
        docs_url: str,
        command: str = "",
        precheck: bool = True,
        purpose: str = _DEFAULT_PURPOSE,
        usage: tuple[str, ...] = (),
        events_json: str = "",
        origin: str = "",
    ) -> None:
        self._set(
            name=name,
            display_name=display_name,
            env_prefix=env_prefix,
            package=package,
            endpoint=endpoint,
            policy=policy,
            docs_url=docs_url,
            command=command,
            precheck=precheck,
            purpose=purpose,
            usage=usage,
            events_json=events_json,
            origin=origin,
        )

    def env(self, suffix: str) -> str:
        """The name of this product's environment variable ``<PREFIX>_<suffix>``."""
        return f"{self.env_prefix}_{suffix}"

    @property
    def command_name(self) -> str:
        """The console script install.sh links (the product's name unless it says)."""
        return self.command or self.name

    @property
    def events(self) -> dict[str, Any]:
        """The tool's own event tables, as written in its product file."""
        if not self.events_json:
            return {}
        return jsonread.loads(self.events_json)

    @classmethod
    def from_toml(cls, text: str, origin: str = "product.toml") -> Product:
        """Parse and validate a product file; a mistake raises ProductError naming it."""
        try:
            data = tomlread.loads(text)
        except tomlread.TOMLDecodeError as exc:
            raise ProductError(f"{origin} is not valid TOML: {exc}") from None
        return cls.from_mapping(data, origin)

    @classmethod
    def from_mapping(cls, data: dict[str, Any], origin: str) -> Product:
        if "product" in data:
            version = data.get("schema_version", FORMAT_VERSION)
            if version != FORMAT_VERSION or type(version) is not int:
                raise ProductError(f"{origin}: schema_version must be {FORMAT_VERSION}")
            table, where = data["product"], "product."
            if not isinstance(table, dict):
                raise ProductError(f"{origin}: [product] must be a table")
            unknown = sorted(set(data) - {"schema_version", "product", "usage", "events"})
        else:
            # The first format: the identity as top-level keys, nothing else.
            table, where = data, ""
            unknown = []
        if unknown:
            raise ProductError(f"{origin}: unknown table or key {unknown[0]!r}")
        strange = sorted(set(table) - set(_KNOWN)) if where else []
        if strange:
            raise ProductError(f"{origin}: unknown field {where}{strange[0]}")
        missing = [f for f in _TEXT if not isinstance(table.get(f), str)]
        if missing:
            fields = ", ".join(where + f for f in missing)
            raise ProductError(f"{origin} needs text values for: {fields}")
        for key in _OPTIONAL_TEXT:
            if key in table and not isinstance(table[key], str):
                raise ProductError(f"{origin}: {where}{key} must be text")
        precheck = table.get("precheck", True)
        if type(precheck) is not bool:
            raise ProductError(f"{origin}: {where}precheck must be true or false")
        values = {f: table[f].strip() for f in _TEXT}
        product = cls(
            **values,
            command=table.get("command", "").strip(),
            precheck=precheck,
            purpose=table.get("purpose", "").strip() or _DEFAULT_PURPOSE,
            usage=_usage(data.get("usage"), origin),
            events_json=_events(data.get("events"), origin),
            origin=origin,
        )
        _check(product, origin, where)
        return product


def _fits(text: str, shape: tuple[frozenset[str], frozenset[str], int], anchored: bool) -> bool:
    # re.match("^[first][others]{0,most-1}$"): "$" also matches before a final newline;
    # re.fullmatch (anchored=False) does not.
    first, others, most = shape
    if anchored and text.endswith("\n"):
        text = text[:-1]
    return 0 < len(text) <= most and text[0] in first and all(c in others for c in text[1:])


def _check(product: Product, origin: str, where: str) -> None:
    if not _fits(product.name, _NAME, True):
        raise ProductError(f"{origin}: {where}name must be lowercase letters, digits and '-'")
    if not _fits(product.env_prefix, _PREFIX, True):
        raise ProductError(f"{origin}: {where}env_prefix must be uppercase letters, digits and '_'")
    if product.policy not in POLICIES:
        raise ProductError(f"{origin}: {where}policy must be one of {', '.join(POLICIES)}")
    if product.endpoint and not product.endpoint.startswith(("http://", "https://")):
        raise ProductError(f"{origin}: {where}endpoint must be empty or an http(s) URL")
    if not product.display_name or "\n" in product.display_name:
        raise ProductError(f"{origin}: {where}display_name must be one line of text")
    if not _fits(product.package, _PACKAGE, True):
        raise ProductError(f"{origin}: {where}package must be a package name")
    if product.command and not _fits(product.command.replace("-", "_"), _COMMAND, True):
        raise ProductError(f"{origin}: {where}command must be a command name")


def _usage(table: Any, origin: str) -> tuple[str, ...]:
    if table is None:
        return ()
    if not isinstance(table, dict) or set(table) - {"commands"}:
        raise ProductError(f"{origin}: [usage] holds one field, commands")
    commands = table.get("commands", [])
    if not isinstance(commands, list) or not all(isinstance(c, str) for c in commands):
        raise ProductError(f"{origin}: usage.commands must be a list of command names")
    for command in commands:
        if not _fits(command, _USAGE, False):
            raise ProductError(f"{origin}: usage.commands: {command!r} is not a command name")
    if len(set(commands)) != len(commands):
        raise ProductError(f"{origin}: usage.commands names a command twice")
    return tuple(commands)


def _events(table: Any, origin: str) -> str:
    if table is None:
        return ""
    if not isinstance(table, dict):
        raise ProductError(f"{origin}: [events] must hold one table per event")
    return jsonread.dumps_compact(table)  # the file's order, for the report


def from_file(
    path: Union[str, os.PathLike[str]], compiled: Optional[Mapping[str, Any]] = None
) -> Product:
    """The product described by the file at ``path``; ProductError (one line) if it is wrong.

    ``compiled``: a module generated from the file (see ``tomlread.read_file``)."""
    where = pathtext.text(path)  # spelt as a Path would be, in every message
    if compiled is None and os.path.basename(where) == FILE_NAMES[0]:
        compiled = compiled_beside(where)
    try:
        data = tomlread.read_file(where, _MAX_FILE_BYTES, "a product file", compiled)
    except tomlread.Unreadable as exc:
        raise ProductError(str(exc)) from None
    if data is None:
        raise ProductError(f"{where} does not exist")
    return Product.from_mapping(data, where)


COMPILED_NAME = "doorstep.json"


def compiled_beside(path: Union[str, Path]) -> Optional[dict[str, Any]]:
    """The compiled copy of an adopting tool's ``doorstep.toml`` (``doorstep.json`` beside
    it, written by ``python -m doorstep.render.compiled_toml --write PATH``), or None.

    It is only a shortcut: ``tomlread.read_file`` uses its table only while the TOML file
    still holds exactly the text it was made from, so a stale or broken copy costs a
    parse, never a wrong value.
    """
    beside = pathtext.join(pathtext.parent(pathtext.text(path)), COMPILED_NAME)
    try:
        found = jsonread.loads(tomlread.read_regular(beside, _MAX_FILE_BYTES * 4))
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or not isinstance(found.get("SOURCE"), str):
        return None
    return found if isinstance(found.get("DATA"), dict) else None


_own: list[Product] = []  # doorstep's own product, once read


def own() -> Product:
    """doorstep's own product, read once per process."""
    if _own:
        return _own[0]
    # Its table is compiled into product.json (kept in step by a test), and used only
    # while the file still holds exactly the text it was made from: JSON costs a start
    # less than the TOML parser (and the typing module it imports).
    folder = pathtext.parent(pathtext.parent(pathtext.text(__file__)))
    compiled = None
    try:
        compiled = jsonread.loads(
            tomlread.read_regular(pathtext.join(folder, "product.json"), 1 << 20)
        )
    except (OSError, ValueError):
        pass  # no compiled copy: the TOML file is parsed
    found = from_file(
        pathtext.join(folder, "product.toml"), compiled if isinstance(compiled, dict) else None
    )
    _own[:] = [found]
    return found


def current() -> Product:
    """The product this process works for: the activated one, else doorstep's own."""
    return _active if _active is not None else own()


def activate(product: Product) -> None:
    """Make ``product`` the one this process works for (its sender, schema and paths)."""
    global _active
    _active = product


def _entry_points() -> list[Any]:
    from importlib import metadata  # deferred: only looking a product up by name pays

    found = metadata.entry_points()
    if hasattr(found, "select"):
        return list(found.select(group=ENTRY_POINTS))
    return list(found.get(ENTRY_POINTS, []))  # Python 3.9


def installed() -> dict[str, str]:
    """Every product installed in this environment: name -> the module naming its folder."""
    from doorstep.foundation import distributions

    found = distributions.entry_points(ENTRY_POINTS)
    if found is not None:
        return found
    return {point.name: point.value for point in _entry_points()}


def version_of(product: Product) -> Optional[str]:
    """The version of the product's own package (doorstep's for doorstep); None if unknown."""
    if product == own():
        from doorstep._version import __version__

        return __version__
    from doorstep.foundation import distributions

    found = distributions.version(product.package)
    if found is not None:
        return found  # read as importlib.metadata reads it, without importing it (~30 ms)
    from importlib import metadata  # deferred: only an adopting tool's version pays

    try:
        return metadata.version(product.package)
    except (metadata.PackageNotFoundError, ValueError):
        return None


def _find_spec(name: str) -> Any:
    """``importlib.util.find_spec(name)``, step by step, without importing importlib.util
    (with contextlib, functools and types, a start pays some 5 ms for it)."""
    import importlib

    bootstrap = getattr(importlib, "_bootstrap", None)
    if name.startswith(".") or not hasattr(bootstrap, "_find_spec"):
        import importlib.util

        return importlib.util.find_spec(name)
    if name not in sys.modules:
        parent_name = name.rpartition(".")[0]
        parent_path = None
        if parent_name:
            parent = __import__(parent_name, fromlist=["__path__"])
            try:
                parent_path = parent.__path__
            except AttributeError as e:
                raise ModuleNotFoundError(
                    f"__path__ attribute not found on {parent_name!r} while trying to find "
                    f"{name!r}",
                    name=name,
                ) from e
        return bootstrap._find_spec(name, parent_path)
    module = sys.modules[name]
    if module is None:
        return None
    try:
        spec = module.__spec__
    except AttributeError:
        raise ValueError(f"{name}.__spec__ is not set") from None
    if spec is None:
        raise ValueError(f"{name}.__spec__ is None")
    return spec


def _file_of(module: str) -> Optional[str]:
    try:
        spec = _find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        folders = [pathtext.text(p) for p in spec.submodule_search_locations]
    elif spec.origin:
        folders = [pathtext.parent(pathtext.text(spec.origin))]
    else:
        return None
    for folder in folders:
        for name in FILE_NAMES:
            if os.path.isfile(pathtext.join(folder, name)):
                return pathtext.join(folder, name)
    return None


_loaded = Memo(16)  # the products load() found


def load(name: str) -> Product:
    """The installed product called ``name`` (entry-point group ``doorstep.products``).

    An unknown name is one ProductError listing the installed products.
    """
    return _loaded.get(name, _load)


def _load(name: str) -> Product:
    if name == own().name:
        return own()  # no scan of every installed package for the usual case
    points = installed()
    module = points.get(name)
    if module is None:
        names = ", ".join(sorted({*points, own().name}))
        raise ProductError(f"no product called {name!r} is installed (installed: {names})")
    path = _file_of(module.split(":")[0].strip())
    if path is None:
        raise ProductError(
            f"product {name!r}: its module {module!r} holds no {FILE_NAMES[0]} "
            f"(entry point {ENTRY_POINTS})"
        )
    product = from_file(path)
    if product.name != name:
        raise ProductError(f"{path}: product.name is {product.name!r}, its entry point {name!r}")
    return product


def resolve(product: Product | str | None) -> Product:
    """A Product from a Product, a product name, or None (the current one)."""
    if product is None:
        return current()
    if isinstance(product, Product):
        return product
    return load(product)


__all__ = [
    "ENTRY_POINTS",
    "POLICIES",
    "Product",
    "activate",
    "current",
    "from_file",
    "installed",
    "load",
    "own",
    "resolve",
    "version_of",
]
