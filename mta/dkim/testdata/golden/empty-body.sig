DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com;
 s=ed1; t=1762250400; h=from:subject:date:to:message-id:from:to:cc:subject:
 reply-to; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=Cg4sXG2QDsu3HEXa
 Ya5BmQkQFOqYBzxuK3ynM0IV/Tg9cjBwmJnuL2Ev7WGLFmkUaqlbkua3JsiipD1gbmJaAg==
