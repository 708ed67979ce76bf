"""Windows policy from HKLM then HKCU Software\\Policies\\Courtyard, with the registry injectable."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Literal, Protocol

from app.features.device_policy.keys import PolicyKey, policy_key
from app.features.device_policy.reading import PolicyReading, ReadingBuilder

POLICY_SUBKEY = r"Software\Policies\Courtyard"
Hive = Literal["HKLM", "HKCU"]

# Registry value types, as winreg numbers them.
REG_SZ = 1
REG_DWORD = 4
REG_QWORD = 11


class RegistryAccess(Protocol):
    def values(self, hive: Hive, subkey: str) -> Mapping[str, tuple[object, int]] | None:
        """All values of the key as name → (data, registry type), or None if the key is absent."""
        ...


def _from_registry(key: PolicyKey, data: object, reg_type: int) -> object:
    """Turn the registry's encoding into the key's Python type; validation rejects the rest.

    Booleans are DWORDs (0 or 1), as the ADMX template and the MSI write them; other numbers stay
    ints so validation reports them instead of guessing.
    """
    if key.type is bool and reg_type in (REG_DWORD, REG_QWORD) and data in (0, 1):
        return bool(data)
    return data


class WindowsPolicyReader:
    """Machine policy (HKLM) wins key by key over user policy (HKCU), as Group Policy does."""

    def __init__(self, *, registry: RegistryAccess, subkey: str = POLICY_SUBKEY) -> None:
        self._registry = registry
        self._subkey = subkey

    def read(self) -> PolicyReading:
        builder = ReadingBuilder()
        for hive in ("HKLM", "HKCU"):
            source = f"{hive}\\{self._subkey}"
            try:
                values = self._registry.values(hive, self._subkey)
            except OSError as error:
                builder.problem(source, "*", f"cannot read: {error}")
                continue
            for name, (data, reg_type) in sorted((values or {}).items()):
                key = policy_key(name, case_sensitive=False)
                if key is None:
                    builder.problem(source, name, "unknown policy key")
                    continue
                builder.offer(source, key, _from_registry(key, data, reg_type))
        return builder.build()


class WinregAccess:
    """The real registry; raises OSError (reported as a problem) anywhere but on Windows."""

    def values(self, hive: Hive, subkey: str) -> Mapping[str, tuple[object, int]] | None:
        if sys.platform == "win32":
            return _winreg_values(hive, subkey)
        else:  # an else, not an early raise: mypy skips this branch when checking for win32
            raise OSError("the Windows registry exists only on Windows")


if sys.platform == "win32":
    import winreg

    def _winreg_values(hive: Hive, subkey: str) -> Mapping[str, tuple[object, int]] | None:
        root = winreg.HKEY_LOCAL_MACHINE if hive == "HKLM" else winreg.HKEY_CURRENT_USER
        try:
            handle = winreg.OpenKey(root, subkey)
        except FileNotFoundError:
            return None
        found: dict[str, tuple[object, int]] = {}
        with handle:
            index = 0
            while True:
                try:
                    name, data, reg_type = winreg.EnumValue(handle, index)
                except OSError:  # ERROR_NO_MORE_ITEMS ends the enumeration
                    break
                found[name] = (data, reg_type)
                index += 1
        return found
