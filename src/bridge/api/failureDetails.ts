import type { BridgeError } from '../errors.ts';
import { xmlDocument, type XmlElement } from './xml.ts';

/** `<failureDetails><coSpaceDoesNotExist/></failureDetails>`, or a `parameterError` with its attributes. */
export function failureDetailsXml(error: BridgeError): string {
  const children: XmlElement[] = error.reasons.map((reason) =>
    reason === 'parameterError' && error.parameter
      ? { tag: 'parameterError', attrs: { parameter: error.parameter.name, error: error.parameter.error } }
      : { tag: reason },
  );
  return xmlDocument({ tag: 'failureDetails', children });
}
