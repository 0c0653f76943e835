"""``mlharbor.Image``: an image object for ``log_image``, built from an array, a PIL image or
a file."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["Image"]


class Image:
    """An image held as a PIL image (Pillow is required).

    Args:
        image: a numpy array or nested list (HxW or HxWxC; floats in [0, 1] or integers in
            [0, 255]), a PIL image, or the path of an image file.

    Raises:
        TypeError: for any other kind of object.
        InvalidParameterValue: for an array of unsupported shape or value range.
    """

    def __init__(self, image: Any) -> None:
        try:
            from PIL import Image as PILImage
        except ImportError as error:
            raise ImportError("mlharbor.Image needs Pillow: pip install Pillow") from error
        from mlharbor.client.artifacts import _to_pil_image

        if isinstance(image, str | os.PathLike):
            with PILImage.open(image) as opened:
                opened.load()
                self.image = opened.copy()
        elif isinstance(image, PILImage.Image):
            self.image = image
        elif isinstance(image, list) or hasattr(image, "__array__"):
            import numpy as np

            self.image = _to_pil_image(np.array(image))
        else:
            raise TypeError(
                f"Unsupported image object type: {type(image)}. `image` must be one of "
                "numpy.ndarray, PIL.Image.Image, or a filepath to an image."
            )
        self.size = self.image.size

    def to_list(self) -> list[Any]:
        """The pixel values, row by row."""
        getter = getattr(self.image, "get_flattened_data", None) or self.image.getdata
        return list(getter())

    def to_array(self) -> Any:
        """The pixels as a numpy array."""
        import numpy as np

        return np.array(self.image)

    def to_pil(self) -> Any:
        """The PIL image."""
        return self.image

    def save(self, path: str) -> None:
        """Write the image to ``path`` (format from the extension)."""
        self.image.save(path)

    def resize(self, size: tuple[int, int]) -> Image:
        """A resized copy."""
        return Image(self.image.resize(size))
